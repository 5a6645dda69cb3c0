import type { Redis } from "@upstash/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningGateway } from "../../src/gateway/server.ts";
import { eventually } from "../support/faults.ts";
import { BACKENDS, startTestGateway, TOKEN, uniquePrefix, upstashClient } from "./support.ts";

type Subscriber = ReturnType<Redis["subscribe"]>;

function subscribed(subscriber: Subscriber, event: "subscribe" | "psubscribe"): Promise<number> {
  return new Promise((resolve) => subscriber.on(event, (count) => resolve(count as number)));
}

function numsub(redis: Redis, channel: string): Promise<number> {
  return redis.exec<[string, number]>(["PUBSUB", "NUMSUB", channel]).then(([, count]) => count);
}

describe.each(BACKENDS)("pub/sub through the gateway ($label backend)", (target) => {
  describe.skipIf(target.unavailable)("streams", () => {
    let gateway: RunningGateway;
    let redis: Redis;
    let prefix: string;

    beforeAll(async () => {
      gateway = await startTestGateway(target.backend);
      redis = upstashClient(gateway);
      prefix = uniquePrefix(target.label);
    });
    afterAll(() => gateway.close());

    it("delivers published messages to subscribe() and releases the subscription on unsubscribe", async () => {
      const channel = `${prefix}tickets`;
      const subscriber = redis.subscribe(channel);
      const received: unknown[] = [];
      subscriber.on("message", (event) => received.push(event.message));
      expect(await subscribed(subscriber, "subscribe")).toBe(1);
      expect(await numsub(redis, channel)).toBe(1);

      expect(await redis.publish(channel, { id: 7, title: "Crash, on login" })).toBe(1);
      expect(await redis.publish(channel, "plain text, with commas")).toBe(1);
      await eventually(
        async () => received.length,
        (count) => count === 2,
      );
      expect(received).toEqual([{ id: 7, title: "Crash, on login" }, "plain text, with commas"]);

      await subscriber.unsubscribe();
      expect(
        await eventually(
          () => numsub(redis, channel),
          (count) => count === 0,
        ),
      ).toBe(0);
      expect(await redis.publish(channel, "nobody listens")).toBe(0);
    });

    it("delivers pattern messages to psubscribe() with the pattern and the channel", async () => {
      const pattern = `${prefix}team:*`;
      const subscriber = redis.psubscribe(pattern);
      const received: unknown[] = [];
      subscriber.on("pmessage", (event) => received.push(event));
      expect(await subscribed(subscriber, "psubscribe")).toBe(1);

      expect(await redis.publish(`${prefix}team:7`, { event: "assigned" })).toBe(1);
      expect(await redis.publish(`${prefix}other:7`, { event: "ignored" })).toBe(0);
      await eventually(
        async () => received.length,
        (count) => count === 1,
      );
      expect(received).toEqual([{ pattern, channel: `${prefix}team:7`, message: { event: "assigned" } }]);

      await subscriber.unsubscribe();
      expect(
        await eventually(
          () => redis.publish(`${prefix}team:8`, "x"),
          (receivers) => receivers === 0,
        ),
      ).toBe(0);
    });

    it("releases a subscription whose client aborts the stream", async () => {
      const channel = `${prefix}aborted`;
      const controller = new AbortController();
      const response = await fetch(`${gateway.url}/subscribe/${encodeURIComponent(channel)}`, {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}`, accept: "text/event-stream" },
        body: "[]",
        signal: controller.signal,
      });
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("text/event-stream");
      const reader = response.body?.getReader();
      const first = await reader?.read();
      expect(new TextDecoder().decode(first?.value)).toBe(`data: subscribe,${channel},1\n\n`);
      expect(await numsub(redis, channel)).toBe(1);

      controller.abort();
      expect(
        await eventually(
          () => numsub(redis, channel),
          (count) => count === 0,
        ),
      ).toBe(0);
    });

    it("refuses a subscription without the token", async () => {
      const response = await fetch(`${gateway.url}/subscribe/${prefix}secret`, {
        method: "POST",
        headers: { accept: "text/event-stream" },
        body: "[]",
      });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ error: "Unauthorized" });
    });
  });

  describe.skipIf(target.unavailable)("shutdown", () => {
    it("ends open subscription streams when the gateway closes", async () => {
      const gateway = await startTestGateway(target.backend);
      const response = await fetch(`${gateway.url}/subscribe/${uniquePrefix(target.label)}closing`, {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}`, accept: "text/event-stream" },
        body: "[]",
      });
      const reader = response.body?.getReader();
      await reader?.read();
      const started = Date.now();
      await gateway.close();
      expect(Date.now() - started).toBeLessThan(1000);
      const next = await reader?.read();
      expect(next?.done).toBe(true);
    });
  });
});
