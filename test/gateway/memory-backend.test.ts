import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Backend, PubSubEvent } from "../../src/gateway/backend.ts";
import { createMemoryBackend } from "../../src/gateway/memory-backend.ts";
import { type Command, outcomeToJson, replyToJson } from "../../src/gateway/protocol.ts";

/** Behaviour of the memory backend that the comparison with real Redis cannot cover. */
describe("the memory backend", () => {
  let memory: Backend;
  beforeEach(() => {
    memory = createMemoryBackend();
  });
  afterEach(() => memory.close());

  const run = async (...command: Command) => replyToJson(await memory.execute(command), false);

  it("expires keys lazily at their deadline", async () => {
    await run("SET", "short", "v", "PX", "30");
    await run("SET", "long", "v", "EX", "100");
    expect(await run("DBSIZE")).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(await run("GET", "short")).toBeNull();
    expect(await run("EXISTS", "short")).toBe(0);
    expect(await run("TTL", "short")).toBe(-2);
    expect(await run("DBSIZE")).toBe(1);
    expect(await run("KEYS", "*")).toEqual(["long"]);
  });

  it("scans every key that lives through the scan exactly once, while others come and go", async () => {
    const keys = Array.from({ length: 95 }, (_, index) => `key:${index}`);
    await run("MSET", ...keys.flatMap((key) => [key, "v"]));
    await run("HSET", "hash:1", "f", "v");
    const doomed = keys.slice(50, 60);
    const seen: string[] = [];
    let cursor = "0";
    let pages = 0;
    do {
      const [next, page] = (await run("SCAN", cursor, "MATCH", "key:*", "COUNT", "10")) as [string, string[]];
      seen.push(...page);
      cursor = next;
      pages++;
      const victim = doomed[pages - 1];
      if (victim) await run("DEL", victim);
      await run("SET", `key:late:${pages}`, "v");
    } while (cursor !== "0");
    const stable = keys.filter((key) => !doomed.includes(key));
    expect(stable.filter((key) => !seen.includes(key))).toEqual([]);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.every((key) => key.startsWith("key:"))).toBe(true);
    expect(pages).toBeGreaterThan(5);
    expect(await run("SCAN", "0", "TYPE", "hash", "COUNT", "1000")).toEqual(["0", ["hash:1"]]);
    await expect(memory.execute(["SCAN", "x"])).rejects.toThrow("ERR invalid cursor");
  });

  it("empties the database on FLUSHDB and FLUSHALL", async () => {
    await run("MSET", "a", "1", "b", "2");
    expect(await run("FLUSHDB")).toBe("OK");
    expect(await run("DBSIZE")).toBe(0);
    await run("SET", "c", "3");
    expect(await run("FLUSHALL", "ASYNC")).toBe("OK");
    expect(await run("DBSIZE")).toBe(0);
    await expect(memory.execute(["FLUSHALL", "LATER"])).rejects.toThrow("ERR syntax error");
  });

  it("publishes to channel and pattern subscribers and counts them", async () => {
    const events: PubSubEvent[] = [];
    const channel = await memory.subscribe("channel", "news", (event) => events.push(event));
    const pattern = await memory.subscribe("pattern", "n*", (event) => events.push(event));
    expect(await run("PUBLISH", "news", "hello")).toBe(2);
    expect(await run("PUBSUB", "NUMSUB", "news", "other")).toEqual(["news", 1, "other", 0]);
    expect(await run("PUBSUB", "NUMPAT")).toBe(1);
    expect(await run("PUBSUB", "CHANNELS")).toEqual(["news"]);
    expect(events.map((event) => ({ ...event, payload: Buffer.from(event.payload).toString() }))).toEqual([
      { type: "message", channel: "news", payload: "hello" },
      { type: "pmessage", pattern: "n*", channel: "news", payload: "hello" },
    ]);
    await channel.close();
    await pattern.close();
    expect(await run("PUBLISH", "news", "again")).toBe(0);
    expect(await run("PUBSUB", "NUMPAT")).toBe(0);
  });

  it("runs a transaction at one instant and rejects it whole when a command cannot queue", async () => {
    const outcomes = await memory.transaction([
      ["SET", "k", "v", "PX", "1"],
      ["GET", "k"],
    ]);
    expect(outcomes.map((outcome) => outcomeToJson(outcome, false))).toEqual([
      { result: "OK" },
      { result: "v" },
    ]);
    await expect(memory.transaction([["SET", "x", "1"], ["NOPE"]])).rejects.toThrow(
      /^EXECABORT Transaction discarded because of previous errors: ERR unknown command 'NOPE'/,
    );
    expect(await run("EXISTS", "x")).toBe(0);
  });

  it("forgets scripts on SCRIPT FLUSH", async () => {
    const sha = (await run("SCRIPT", "LOAD", "return 1")) as string;
    expect(await run("EVALSHA", sha.toUpperCase(), "0")).toBe(1);
    expect(await run("SCRIPT", "FLUSH")).toBe("OK");
    expect(await run("SCRIPT", "EXISTS", sha)).toEqual([0]);
    await expect(memory.execute(["EVALSHA", sha, "0"])).rejects.toThrow(
      "NOSCRIPT No matching script. Please use EVAL.",
    );
  });

  it("runs the scripts @upstash/ratelimit sends, shebang included", async () => {
    const script = "#!lua flags=allow-key-locking\nreturn redis.call('INCRBY', KEYS[1], ARGV[1])";
    expect(await run("EVAL", script, "1", "counter", "5")).toBe(5);
    await expect(memory.execute(["EVAL", "#!lua flags=made-up\nreturn 1", "0"])).rejects.toThrow(
      "ERR Unexpected flag in script shebang: made-up",
    );
  });
});
