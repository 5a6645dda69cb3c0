import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningGateway } from "../../src/gateway/server.ts";
import { BACKENDS, deleteKeysUnder, post, startTestGateway, TOKEN, uniquePrefix } from "./support.ts";

const BASE64 = { "upstash-encoding": "base64" };
const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

describe.each(BACKENDS)("the REST protocol of the gateway ($label backend)", (target) => {
  describe.skipIf(target.unavailable)("wire format", () => {
    let gateway: RunningGateway;
    let prefix: string;
    const key = (name: string) => `${prefix}${name}`;

    beforeAll(async () => {
      gateway = await startTestGateway(target.backend);
      prefix = uniquePrefix(target.label);
    });
    afterAll(async () => {
      await deleteKeysUnder(gateway, prefix);
      await gateway.close();
    });

    it("answers a single command with its result, plain or base64 at every depth", async () => {
      expect(await post(gateway, "/", ["SET", key("a"), "v"])).toEqual({
        status: 200,
        json: { result: "OK" },
      });
      expect(await post(gateway, "/", ["SET", key("a"), "v"], BASE64)).toEqual({
        status: 200,
        json: { result: b64("OK") },
      });
      const script = "return {1, 'a', {'b', redis.status_reply('OK')}, false, ARGV[1]}";
      expect((await post(gateway, "/", ["EVAL", script, 0, 12.5], BASE64)).json).toEqual({
        result: [1, b64("a"), [b64("b"), b64("OK")], null, b64("12.5")],
      });
      expect((await post(gateway, "/", ["EVAL", script, 0, true])).json).toEqual({
        result: [1, "a", ["b", "OK"], null, "true"],
      });
      expect((await post(gateway, "/", ["GET", key("missing")], BASE64)).json).toEqual({ result: null });
    });

    it("is binary-safe on the reply side", async () => {
      const bytes = (await post(gateway, "/", ["EVAL", "return string.char(255, 0, 104)", 0], BASE64)).json;
      expect(bytes).toEqual({ result: Buffer.from([255, 0, 104]).toString("base64") });
      await post(gateway, "/", ["SET", key("utf8"), "ÿ ✓"]);
      expect((await post(gateway, "/", ["STRLEN", key("utf8")])).json).toEqual({ result: 6 });
      expect((await post(gateway, "/", ["GET", key("utf8")], BASE64)).json).toEqual({ result: b64("ÿ ✓") });
    });

    it("reports a failing command as a 400 with the Redis error, unencoded", async () => {
      expect(await post(gateway, "/", ["GET"], BASE64)).toEqual({
        status: 400,
        json: { error: "ERR wrong number of arguments for 'get' command" },
      });
      await post(gateway, "/", ["SET", key("s"), "x"]);
      expect(await post(gateway, "/", ["HGET", key("s"), "f"])).toEqual({
        status: 400,
        json: { error: "WRONGTYPE Operation against a key holding the wrong kind of value" },
      });
      const unknown = await post(gateway, "/", ["NOSUCHCOMMAND", "a"]);
      expect(unknown.status).toBe(400);
      expect((unknown.json as { error: string }).error).toMatch(/^ERR unknown command 'NOSUCHCOMMAND'/);
    });

    it("answers pipelines item by item, errors included", async () => {
      const response = await post(
        gateway,
        "/pipeline",
        [
          ["SET", key("p"), "text"],
          ["INCR", key("p")],
          ["GET", key("p")],
          ["SUBSCRIBE", key("p")],
        ],
        BASE64,
      );
      expect(response.status).toBe(200);
      expect(response.json).toEqual([
        { result: b64("OK") },
        { error: "ERR value is not an integer or out of range" },
        { result: b64("text") },
        { error: "ERR 'SUBSCRIBE' is not supported over the Upstash REST gateway" },
      ]);
    });

    it("applies nothing of a transaction that fails to queue", async () => {
      const response = await post(gateway, "/multi-exec", [["SET", key("tx"), "1"], ["GET"]]);
      expect(response.status).toBe(400);
      expect((response.json as { error: string }).error).toMatch(/^EXECABORT/);
      expect((await post(gateway, "/", ["EXISTS", key("tx")])).json).toEqual({ result: 0 });
      const applied = await post(gateway, "/multi-exec", [
        ["SET", key("tx"), "1"],
        ["INCR", key("tx")],
      ]);
      expect(applied).toEqual({ status: 200, json: [{ result: "OK" }, { result: 2 }] });
    });

    it("refuses connection-bound commands", async () => {
      for (const command of [["SUBSCRIBE", "x"], ["SELECT", "1"], ["MULTI"], ["BLPOP", "x", "0"]]) {
        const response = await post(gateway, "/", command);
        expect(response.status).toBe(400);
      }
    });

    it("rejects requests without the right bearer token", async () => {
      for (const authorization of [undefined, `Bearer ${TOKEN}x`, `Basic ${TOKEN}`, "Bearer "]) {
        const response = await fetch(gateway.url, {
          method: "POST",
          headers: authorization ? { authorization } : {},
          body: JSON.stringify(["PING"]),
        });
        expect(response.status).toBe(401);
        expect(await response.json()).toEqual({ error: "Unauthorized" });
      }
    });

    it("rejects unknown paths, other methods, bad JSON and bodies that are not commands", async () => {
      expect((await post(gateway, "/nope", ["PING"])).status).toBe(404);
      const get = await fetch(gateway.url, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(get.status).toBe(405);
      expect(get.headers.get("allow")).toBe("POST");
      const malformed = await post(gateway, "/", '["PING"');
      expect(malformed.status).toBe(400);
      expect(malformed.json).toEqual({ error: expect.stringMatching(/not valid JSON/) });
      for (const body of [{ command: "PING" }, [], ["SET", "k", { nested: true }], [null]]) {
        const response = await post(gateway, "/", body);
        expect(response.status).toBe(400);
        expect(response.json).toEqual({ error: expect.any(String) });
      }
      expect((await post(gateway, "/pipeline", [["PING"], "PING"])).status).toBe(400);
    });

    it("refuses bodies over 10 MB with 413", async () => {
      const huge = JSON.stringify(["SET", key("huge"), "x".repeat(10 * 1024 * 1024)]);
      const response = await post(gateway, "/", huge);
      expect(response).toEqual({ status: 413, json: { error: "Payload Too Large" } });
      const fits = await post(gateway, "/", ["SET", key("big"), "x".repeat(9 * 1024 * 1024)]);
      expect(fits.status).toBe(200);
    });
  });
});
