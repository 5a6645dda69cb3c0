import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/lib/logger.ts";
import { createShutdown } from "../../src/node/graceful-shutdown.ts";

/** A server whose /slow answers after `delayMs`; `arrived` resolves once /slow is in its handler. */
function startSlowServer(delayMs: number) {
  const app = new Hono();
  let arrive: () => void = () => {};
  const arrived = new Promise<void>((resolve) => {
    arrive = resolve;
  });
  const slow = { finished: false };
  app.get("/slow", async (c) => {
    arrive();
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    slow.finished = true;
    return c.json({ finished: true });
  });
  app.get("/fast", (c) => c.json({ fast: true }));
  return new Promise<{ server: Server; url: string; arrived: Promise<void>; slow: typeof slow }>(
    (resolve) => {
      const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) =>
        resolve({ server: server as Server, url: `http://127.0.0.1:${info.port}`, arrived, slow }),
      ) as Server;
    },
  );
}

describe("graceful shutdown", () => {
  it("lets an in-flight request finish, refuses new ones, then releases resources", async () => {
    const { server, url, arrived } = await startSlowServer(600);
    const events: string[] = [];
    const shutdown = createShutdown({
      server,
      timeoutMs: 5000,
      logger: createLogger("silent"),
      endStreams: () => {},
      releaseResources: async () => {
        events.push("released");
      },
    });

    const inFlight = fetch(`${url}/slow`).then(async (response) => {
      events.push("slow answered");
      return { status: response.status, body: await response.json() };
    });
    await arrived;
    const done = shutdown("SIGTERM").then(() => events.push("shutdown complete"));

    await expect(fetch(`${url}/fast`)).rejects.toThrow();
    expect(await inFlight).toEqual({ status: 200, body: { finished: true } });
    await done;
    expect(events).toEqual(["slow answered", "released", "shutdown complete"]);
  });

  it("cuts requests that outlive the deadline instead of hanging", async () => {
    const { server, url, arrived, slow } = await startSlowServer(30_000);
    let released = false;
    const shutdown = createShutdown({
      server,
      timeoutMs: 200,
      logger: createLogger("silent"),
      endStreams: () => {},
      releaseResources: async () => {
        released = true;
      },
    });
    const stuck = fetch(`${url}/slow`).catch((error: Error) => error);
    await arrived;
    await shutdown("SIGTERM");
    expect(slow.finished, "shutdown waited for the request instead of cutting it").toBe(false);
    expect(released).toBe(true);
    expect(await stuck).toBeInstanceOf(Error);
  });
});
