import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { userChannel } from "../../src/features/events/channels.ts";
import { signedIn } from "../support/factories.ts";
import { readSse } from "../support/sse.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";
import { DELIVERY_MS, eventually, produce, STREAM_ENV, subscribersOf, ticketOf } from "./stream-support.ts";

let ctx: TestContext;
let server: Server;
let baseUrl: string;
beforeAll(async () => {
  ctx = await createTestContext({ env: STREAM_ENV });
  await new Promise<void>((resolve) => {
    server = serve({ fetch: ctx.app.fetch, port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) => {
      baseUrl = `http://127.0.0.1:${info.port}`;
      resolve();
    }) as Server;
  });
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await ctx.close();
});

describe("the event stream over a real Node HTTP server", () => {
  it("streams unbuffered, and a client that hangs up releases its subscriptions", async () => {
    const { user, session } = await signedIn(ctx, "reporter");
    for (let cycle = 0; cycle < 5; cycle++) {
      const abort = new AbortController();
      const response = await fetch(`${baseUrl}/v1/events`, {
        headers: session.headers,
        signal: abort.signal,
      });
      expect(response.status).toBe(200);
      expect(response.headers.get("Content-Type")).toMatch(/^text\/event-stream/);
      expect(response.headers.get("X-Accel-Buffering")).toBe("no");
      expect(response.headers.get("Content-Length")).toBeNull();
      const stream = readSse(response, abort);
      await stream.until((sse) => sse.comments.includes("live"), 5000);
      expect(await subscribersOf(ctx, userChannel(user.id))).toBe(1);
      const id = await produce(ctx, ticketOf({ reporterId: user.id }));
      await stream.until((sse) => sse.events().some((event) => event.id === id), DELIVERY_MS);
      await stream.close();
      await eventually(async () => (await subscribersOf(ctx, userChannel(user.id))) === 0);
    }
  });
});
