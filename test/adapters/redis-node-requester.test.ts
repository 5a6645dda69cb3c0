import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { errors } from "@upstash/redis";
import { afterAll, describe, expect, inject, it } from "vitest";
import { createRedisClient } from "../../src/adapters/redis.ts";
import { createNodeRedisClient, type NodeRedisClient } from "../../src/adapters/redis-node.ts";

const gateway = { url: inject("gatewayUrl"), token: inject("gatewayToken") };
const opened: NodeRedisClient[] = [];
const servers: Server[] = [];
afterAll(async () => {
  for (const client of opened) client.close();
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

function nodeClient(overrides: Partial<Parameters<typeof createNodeRedisClient>[0]> = {}) {
  const client = createNodeRedisClient({ ...gateway, timeoutMs: 1000, ...overrides });
  opened.push(client);
  return client;
}

/** A local HTTP server standing in for a gateway that misbehaves. */
async function fakeGateway(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("the node:http requester for @upstash/redis", () => {
  it("reads back exactly what the fetch-based client reads, for every kind of reply", async () => {
    const { redis } = nodeClient();
    const viaFetch = createRedisClient({ ...gateway, timeoutMs: 1000 });
    const key = `test:requester:${randomUUID()}`;
    const text = 'Ünïcødé ✓ 🎫 "quotes" \\ OK';
    await redis.hset(key, { uid: text, n: 42, ok: "OK" });
    await redis.expire(key, 60);
    for (const client of [redis, viaFetch]) {
      expect(await client.hget(key, "uid")).toBe(text);
      expect(await client.hgetall(key)).toEqual({ uid: text, n: 42, ok: "OK" });
      expect(await client.hmget(key, "uid", "missing")).toEqual({ uid: text, missing: null });
      expect(await client.ttl(key)).toBeGreaterThan(50);
      expect(await client.get(`${key}:missing`)).toBeNull();
    }
    const pipeline = redis.pipeline();
    pipeline.incr(`${key}:counter`).hget(key, "uid").expire(`${key}:counter`, 60);
    expect(await pipeline.exec()).toEqual([1, text, 1]);
  });

  it("raises the server's error as an UpstashError naming the command", async () => {
    const { redis } = nodeClient();
    const key = `test:requester:${randomUUID()}`;
    await redis.set(key, "plain", { ex: 60 });
    const failure = await redis.lpush(key, "x").catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(errors.UpstashError);
    expect(String((failure as Error).message)).toMatch(/WRONGTYPE.*command was: \["lpush"/);
  });

  it("counts one round trip per command and one per pipeline", async () => {
    const trips: boolean[] = [];
    const { redis } = nodeClient({ onRoundTrip: (_ms, ok) => trips.push(ok) });
    await redis.ping();
    await redis.pipeline().ping().ping().exec();
    expect(trips).toEqual([true, true]);
  });

  it("gives up on a silent server at its deadline, without retrying", async () => {
    let received = 0;
    const url = await fakeGateway(() => {
      received++; // never answers
    });
    const { redis } = nodeClient({ url, timeoutMs: 150 });
    const started = performance.now();
    const failure = await redis.ping().catch((error: unknown) => error);
    const elapsed = performance.now() - started;
    expect(failure).toBeInstanceOf(errors.UpstashError);
    expect(String((failure as Error).message)).toContain("timed out after 150 ms");
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(elapsed).toBeLessThan(1000);
    expect(received).toBe(1);
  });

  it("retries a refused connection once, then fails", async () => {
    const url = await fakeGateway(() => {});
    const port = new URL(url).port;
    await new Promise((resolve) => servers.pop()?.close(resolve));
    const trips: boolean[] = [];
    const { redis } = nodeClient({
      url: `http://127.0.0.1:${port}`,
      onRoundTrip: (_ms, ok) => trips.push(ok),
    });
    const failure = await redis.ping().catch((error: unknown) => error);
    expect((failure as { code?: string }).code).toBe("ECONNREFUSED");
    expect(trips).toEqual([false, false]);
  });

  it("turns a non-JSON error page into a parse error, not a crash", async () => {
    const url = await fakeGateway((_request, response) => {
      response.writeHead(502, { "Content-Type": "text/html" }).end("<html>bad gateway</html>");
    });
    const failure = await nodeClient({ url })
      .redis.ping()
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(errors.UpstashJSONParseError);
  });

  it("follows a subscription over server-sent events and releases it when unsubscribed", async () => {
    const { redis } = nodeClient();
    const channel = `test:requester:${randomUUID()}`;
    const subscriber = redis.subscribe<{ n: number }>([channel]);
    const subscribed = new Promise((resolve) => subscriber.on("subscribe", resolve));
    const received = new Promise((resolve) => subscriber.on("message", ({ message }) => resolve(message)));
    await subscribed;
    await redis.publish(channel, { n: 7 });
    expect(await received).toEqual({ n: 7 });
    await subscriber.unsubscribe();
    await expect.poll(async () => (await redis.publish(channel, { n: 8 })) as number).toBe(0);
  });
});
