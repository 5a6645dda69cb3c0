import { randomUUID } from "node:crypto";
import type { Redis } from "@upstash/redis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createRedisClient } from "../../src/adapters/redis.ts";
import { createNodeRedisClient } from "../../src/adapters/redis-node.ts";
import { FaultProxy } from "../support/fault-proxy.ts";

let proxy: FaultProxy;
let url: string;
const token = inject("gatewayToken");
const closers: (() => void)[] = [];
beforeAll(async () => {
  proxy = await FaultProxy.start(inject("gatewayUrl"));
  url = proxy.urlFor(inject("gatewayUrl"));
});
afterAll(async () => {
  for (const close of closers) close();
  await proxy.close();
});

const CLIENTS: { name: string; create: () => Redis }[] = [
  {
    name: "the fetch client (Workers)",
    create: () => createRedisClient({ url, token, timeoutMs: 1000 }),
  },
  {
    name: "the node:http client (Node)",
    create: () => {
      const client = createNodeRedisClient({ url, token, timeoutMs: 1000 });
      closers.push(() => client.close());
      return client.redis;
    },
  },
];

/**
 * A subscription whose connection the gateway (or Upstash) ends must say so: @upstash/redis
 * itself would wait for messages forever, and an event stream would never resubscribe.
 */
describe.each(CLIENTS)("a subscription through $name", ({ create }) => {
  it("reports an unsubscribe counting 0 when the server ends it", async () => {
    const redis = create();
    const cut = redis.subscribe([`test:ending:${randomUUID()}`]);
    const ended = new Promise<number>((resolve) => cut.on("unsubscribe", resolve));
    await new Promise((resolve) => cut.on("subscribe", resolve));

    proxy.cut();
    const outcome = await Promise.race([
      ended,
      new Promise<string>((resolve) => setTimeout(() => resolve("no word in 5 s"), 5000)),
    ]);
    expect(outcome, "the subscriber was told its subscription is over").toBe(0);
  });
});
