import { createHash } from "node:crypto";
import type { Redis } from "@upstash/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningGateway } from "../../src/gateway/server.ts";
import {
  BACKENDS,
  deleteKeysUnder,
  startTestGateway,
  TOKEN,
  uniquePrefix,
  upstashClient,
} from "./support.ts";

describe.each(BACKENDS)("@upstash/redis against the gateway ($label backend)", (target) => {
  describe.skipIf(target.unavailable)("contract", () => {
    let gateway: RunningGateway;
    let redis: Redis;
    let prefix: string;
    const key = (name: string) => `${prefix}${name}`;

    beforeAll(async () => {
      gateway = await startTestGateway(target.backend);
      redis = upstashClient(gateway);
      prefix = uniquePrefix(target.label);
    });
    afterAll(async () => {
      await deleteKeysUnder(gateway, prefix);
      await gateway.close();
    });

    it("stores and reads strings, including JSON values, unicode and expiry", async () => {
      expect(await redis.set(key("s"), "héllo ✓ 🚀")).toBe("OK");
      expect(await redis.get(key("s"))).toBe("héllo ✓ 🚀");
      expect(await redis.strlen(key("s"))).toBe(Buffer.byteLength("héllo ✓ 🚀"));
      await redis.set(key("json"), { ticket: 42, tags: ["a", "b"] });
      expect(await redis.get(key("json"))).toEqual({ ticket: 42, tags: ["a", "b"] });
      expect(await redis.set(key("s"), "other", { nx: true })).toBeNull();
      expect(await redis.set(key("ttl"), "v", { ex: 60 })).toBe("OK");
      const ttl = await redis.ttl(key("ttl"));
      expect(ttl).toBeGreaterThan(55);
      expect(ttl).toBeLessThanOrEqual(60);
      expect(await redis.ttl(key("missing"))).toBe(-2);
      expect(await redis.mget(key("s"), key("missing"))).toEqual(["héllo ✓ 🚀", null]);
      expect(await redis.getdel(key("s"))).toBe("héllo ✓ 🚀");
      expect(await redis.exists(key("s"))).toBe(0);
    });

    it("counts with INCR, INCRBY, DECRBY and INCRBYFLOAT", async () => {
      expect(await redis.incr(key("n"))).toBe(1);
      expect(await redis.incrby(key("n"), 41)).toBe(42);
      expect(await redis.decrby(key("n"), 2)).toBe(40);
      await redis.set(key("f"), "0.1");
      expect(await redis.incrbyfloat(key("f"), 0.2)).toBe(0.3);
      await redis.set(key("text"), "abc");
      await expect(redis.incr(key("text"))).rejects.toThrow("ERR value is not an integer or out of range");
    });

    it("keeps hashes", async () => {
      expect(await redis.hset(key("h"), { title: "Crash on login", points: 3 })).toBe(2);
      expect(await redis.hget(key("h"), "title")).toBe("Crash on login");
      expect(await redis.hincrby(key("h"), "points", 2)).toBe(5);
      expect(await redis.hgetall(key("h"))).toEqual({ title: "Crash on login", points: 5 });
      expect(await redis.hmget(key("h"), "title", "nope")).toEqual({ title: "Crash on login", nope: null });
      expect(await redis.hdel(key("h"), "title", "nope")).toBe(1);
      expect(await redis.hexists(key("h"), "title")).toBe(0);
      expect(await redis.hlen(key("h"))).toBe(1);
      await expect(redis.lpush(key("h"), "x")).rejects.toThrow("WRONGTYPE");
    });

    it("orders sorted sets and answers range queries", async () => {
      const z = key("z");
      expect(
        await redis.zadd(z, { score: 3, member: "c" }, { score: 1, member: "a" }, { score: 2, member: "b" }),
      ).toBe(3);
      expect(
        await redis.zadd(z, { gt: true, ch: true }, { score: 0, member: "a" }, { score: 5, member: "b" }),
      ).toBe(1);
      expect(await redis.zscore(z, "b")).toBe(5);
      expect(await redis.zincrby(z, 0.5, "a")).toBe(1.5);
      expect(await redis.zrange(z, 0, -1, { withScores: true })).toEqual(["a", 1.5, "c", 3, "b", 5]);
      expect(await redis.zrange(z, 2, 10, { byScore: true, offset: 1, count: 5 })).toEqual(["b"]);
      expect(await redis.zrange(z, "+inf", "(1.5", { byScore: true, rev: true })).toEqual(["b", "c"]);
      expect(await redis.zrank(z, "c")).toBe(1);
      expect(await redis.zcount(z, "(1.5", "+inf")).toBe(2);
      expect(await redis.zremrangebyscore(z, "-inf", 2)).toBe(1);
      expect(await redis.zcard(z)).toBe(2);
    });

    it("keeps lists and sets", async () => {
      expect(await redis.rpush(key("l"), "a", "b", "c")).toBe(3);
      expect(await redis.lpush(key("l"), "z")).toBe(4);
      expect(await redis.lrange(key("l"), 0, -1)).toEqual(["z", "a", "b", "c"]);
      expect(await redis.ltrim(key("l"), 1, -1)).toBe("OK");
      expect(await redis.lpop(key("l"))).toBe("a");
      expect(await redis.llen(key("l"))).toBe(2);
      expect(await redis.sadd(key("set"), "x", "y", "x")).toBe(2);
      expect((await redis.smembers(key("set"))).sort()).toEqual(["x", "y"]);
      expect(await redis.sismember(key("set"), "y")).toBe(1);
      expect(await redis.srem(key("set"), "x", "y")).toBe(2);
      expect(await redis.exists(key("set"))).toBe(0);
    });

    it("batches concurrent commands through auto-pipelining and keeps their order", async () => {
      const counter = upstashClient(gateway);
      const results = await Promise.all(Array.from({ length: 50 }, () => counter.incr(key("auto"))));
      expect(results).toEqual(Array.from({ length: 50 }, (_, index) => index + 1));
      // The auto-pipelining proxy exposes how many HTTP requests it made; the type does not.
      expect((counter as unknown as { pipelineCounter: number }).pipelineCounter).toBeLessThan(5);
    });

    it("runs explicit pipelines where one failing command does not fail the others", async () => {
      const results = await redis
        .pipeline()
        .set(key("p"), "text")
        .incr(key("p"))
        .get(key("p"))
        .exec({ keepErrors: true });
      expect(results[0]).toEqual({ result: "OK", error: undefined });
      expect(results[1]?.error).toBe("ERR value is not an integer or out of range");
      expect(results[2]).toEqual({ result: "text", error: undefined });
    });

    it("runs MULTI/EXEC atomically even when transactions race", async () => {
      const clients = Array.from({ length: 20 }, () =>
        upstashClient(gateway, { enableAutoPipelining: false }),
      );
      const results = await Promise.all(
        clients.map((client) => {
          const transaction = client.multi();
          transaction.incr(key("tx"));
          transaction.incr(key("tx"));
          return transaction.exec<[number, number]>();
        }),
      );
      const firsts = results.map(([first, second]) => {
        expect(second).toBe(first + 1);
        return first;
      });
      expect(firsts.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, index) => 2 * index + 1));
    });

    it("applies the rest of a transaction when one command fails at run time, and nothing when it cannot queue", async () => {
      const transaction = redis.multi();
      transaction.set(key("txe"), "text");
      transaction.incr(key("txe"));
      transaction.set(key("txe2"), "applied");
      await expect(transaction.exec()).rejects.toThrow("ERR value is not an integer or out of range");
      expect(await redis.get(key("txe2"))).toBe("applied");

      const aborted = redis.multi();
      aborted.set(key("txa"), "never");
      // HSET without fields has the wrong arity, an error Redis reports while queueing.
      aborted.hset(key("txa2"), {});
      await expect(aborted.exec()).rejects.toThrow("EXECABORT");
      expect(await redis.exists(key("txa"))).toBe(0);
    });

    it("evaluates scripts and falls back from EVALSHA to EVAL on NOSCRIPT", async () => {
      const body = `-- ${prefix}\nreturn {KEYS[1], ARGV[1], redis.call('INCR', KEYS[1])}`;
      const sha = createHash("sha1").update(body).digest("hex");
      expect(await redis.scriptExists(sha)).toEqual([0]);
      await expect(redis.evalsha(sha, [key("e")], ["x"])).rejects.toThrow("NOSCRIPT");
      const script = redis.createScript<[string, string, number]>(body);
      expect(await script.exec([key("e")], ["arg"])).toEqual([key("e"), "arg", 1]);
      expect(await redis.scriptExists(sha)).toEqual([1]);
      expect(await script.evalsha([key("e")], ["arg"])).toEqual([key("e"), "arg", 2]);
    });

    it("runs scripts flagged allow-key-locking and finds them again by the sha of the original text", async () => {
      const body = `#!lua flags=allow-key-locking\n-- ${prefix}\nreturn redis.call('INCRBY', KEYS[1], ARGV[1])`;
      const sha = createHash("sha1").update(body).digest("hex");
      await expect(redis.evalsha(sha, [key("lock")], [1])).rejects.toThrow("NOSCRIPT");
      expect(await redis.eval(body, [key("lock")], [2])).toBe(2);
      expect(await redis.scriptExists(sha)).toEqual([1]);
      expect(await redis.evalsha(sha, [key("lock")], [3])).toBe(5);
      const loadedBody = `${body}\n-- loaded`;
      const loadedSha = createHash("sha1").update(loadedBody).digest("hex");
      expect(await redis.scriptLoad(loadedBody)).toBe(loadedSha);
      expect(await redis.evalsha(loadedSha, [key("lock")], [1])).toBe(6);
    });

    it("decodes the same values with and without base64 response encoding", async () => {
      const plain = upstashClient(gateway, { responseEncoding: false });
      await redis.hset(key("enc"), { name: "Zoë", n: 1 });
      await redis.zadd(key("encz"), { score: 2.5, member: "ü" });
      const script = "return {redis.call('SET', KEYS[1], 'ok'), 'β', 7, {ARGV[1]}}";
      for (const client of [redis, plain]) {
        expect(await client.hgetall(key("enc"))).toEqual({ name: "Zoë", n: 1 });
        expect(await client.zrange(key("encz"), 0, -1, { withScores: true })).toEqual(["ü", 2.5]);
        expect(await client.eval(script, [key("encs")], ["nested ✓"])).toEqual(["OK", "β", 7, ["nested ✓"]]);
        expect(await client.get(key("missing"))).toBeNull();
      }
    });

    it("refuses a client with the wrong token", async () => {
      const intruder = upstashClient(gateway, { token: `${TOKEN}-wrong` });
      await expect(intruder.get(key("s"))).rejects.toThrow("Unauthorized");
    });
  });
});
