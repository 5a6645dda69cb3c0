import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { trackWaitingRequests } from "../../src/node/waiting-requests.ts";

const servers: ReturnType<typeof createServer>[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A server that holds every request until the test answers it, and its tracker. */
async function holdingServer() {
  const held: ServerResponse[] = [];
  const server = createServer((request, response) => {
    held.push(response);
    // A live event stream: headers at once, then nothing for as long as the caller listens.
    if (request.url === "/stream")
      response.writeHead(200, { "content-type": "text/event-stream" }).flushHeaders();
  });
  servers.push(server);
  const waiting = trackWaitingRequests(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { held, waiting, base };
}

describe("trackWaitingRequests", () => {
  it("counts requests until their answer starts, not open event streams", async () => {
    const { held, waiting, base } = await holdingServer();
    expect(waiting.count()).toBe(0);

    const stream = await fetch(`${base}/stream`);
    expect(stream.headers.get("content-type")).toBe("text/event-stream");
    const calls = Array.from({ length: 3 }, () => fetch(`${base}/slow`));
    await expect.poll(() => held.length).toBe(4);
    expect(waiting.count()).toBe(3);

    held[1]?.end("done");
    const answered = await Promise.race(calls);
    expect(await answered.text()).toBe("done");
    expect(waiting.count()).toBe(2);

    for (const response of held.slice(2)) response.end();
    await Promise.all(calls);
    expect(waiting.count()).toBe(0);
    await stream.body?.cancel();
  });

  it("forgets a request whose caller went away before it was answered", async () => {
    const { held, waiting, base } = await holdingServer();
    const controller = new AbortController();
    const call = fetch(`${base}/slow`, { signal: controller.signal }).catch(() => "aborted");
    await expect.poll(() => held.length).toBe(1);
    expect(waiting.count()).toBe(1);

    controller.abort();
    expect(await call).toBe("aborted");
    await expect.poll(() => waiting.count()).toBe(0);
  });
});
