import { randomUUID } from "node:crypto";
import { errors } from "@upstash/redis";
import { afterAll, describe, expect, inject, it } from "vitest";
import { createNodeRedisClient, type NodeRedisClient } from "../../src/adapters/redis-node.ts";

const gateway = { url: inject("gatewayUrl"), token: inject("gatewayToken") };
const opened: NodeRedisClient[] = [];
afterAll(() => {
  for (const client of opened) client.close();
});

/** A Node Redis client that records each HTTP round trip it makes. */
function countingClient(url = gateway.url) {
  const trips: boolean[] = [];
  const client = createNodeRedisClient({
    url,
    token: gateway.token,
    timeoutMs: 1000,
    onRoundTrip: (_ms, ok) => trips.push(ok),
  });
  opened.push(client);
  return { redis: client.redis, trips };
}

const key = () => `test:batcher:${randomUUID()}`;

describe("batching the commands of one event-loop turn", () => {
  it("sends commands issued together as one round trip, each with its own reply", async () => {
    const { redis, trips } = countingClient();
    const [a, b] = [key(), key()];
    await redis.set(a, "first", { ex: 60 });
    trips.length = 0;
    const replies = await Promise.all([
      redis.get(a),
      redis.incr(b),
      redis.exists(a, b),
      redis.get(`${a}:missing`),
    ]);
    expect(replies).toEqual(["first", 1, 2, null]);
    expect(trips).toEqual([true]);
    await redis.del(b);
  });

  it("fails only the command that failed, with the error it raises when sent alone", async () => {
    const { redis, trips } = countingClient();
    const plain = key();
    await redis.set(plain, "text", { ex: 60 });
    const alone = await redis.lpush(plain, "x").catch((error: unknown) => error);
    trips.length = 0;
    const [pushed, read] = await Promise.allSettled([redis.lpush(plain, "x"), redis.get(plain)]);
    expect(trips).toEqual([true]);
    expect(read).toEqual({ status: "fulfilled", value: "text" });
    expect(pushed.status).toBe("rejected");
    const batched = (pushed as PromiseRejectedResult).reason as Error;
    expect(batched).toBeInstanceOf(errors.UpstashError);
    expect(batched.message).toBe((alone as Error).message);
    expect(batched.message).toMatch(/WRONGTYPE.*command was: \["lpush"/);
  });

  it("rejects every command of a batch whose round trip fails", async () => {
    const { redis, trips } = countingClient("http://127.0.0.1:9");
    const outcomes = await Promise.allSettled([redis.get(key()), redis.get(key()), redis.incr(key())]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(["rejected", "rejected", "rejected"]);
    expect(trips).toEqual([false, false]); // one batch, retried once after the refused connection
  });

  it("keeps commands of different turns apart, and passes explicit pipelines through whole", async () => {
    const { redis, trips } = countingClient();
    await redis.ping();
    await redis.ping();
    expect(trips).toHaveLength(2);
    trips.length = 0;
    const counter = key();
    const [fromPipeline, alongside] = await Promise.all([
      redis.pipeline().incr(counter).incr(counter).exec(),
      redis.incr(counter),
    ]);
    expect(trips).toHaveLength(2);
    expect(fromPipeline.length).toBe(2);
    expect([...fromPipeline, alongside].sort()).toEqual([1, 2, 3]);
    await redis.del(counter);
  });
});
