import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { singleLine } from "../../src/gateway/event-stream.ts";
import { bearerTokenMatches } from "../../src/gateway/http-io.ts";
import { globMatches } from "../../src/gateway/memory/glob.ts";
import { formatDouble, formatG, parseInt64, tryParseDouble } from "../../src/gateway/memory/numbers.ts";
import {
  BadRequestError,
  NestedErrorReply,
  parseCommand,
  parseCommandList,
  replyToJson,
} from "../../src/gateway/protocol.ts";
import { ScriptShaMap, withoutUpstashOnlyFlags } from "../../src/gateway/scripts.ts";

const sha1 = (text: string) => createHash("sha1").update(text).digest("hex");
const bytes = (text: string) => Buffer.from(text, "utf8");

describe("reply encoding", () => {
  const reply = [
    bytes("OK"),
    42,
    null,
    [bytes("ü"), new NestedErrorReply("ERR nested")],
    Buffer.from([0xff, 0x00]),
  ];

  it("base64-encodes every string at every depth and leaves numbers and nil alone", () => {
    expect(replyToJson(reply, true)).toEqual(["T0s=", 42, null, ["w7w=", "RVJSIG5lc3RlZA=="], "/wA="]);
  });

  it("sends UTF-8 text without the encoding header", () => {
    expect(replyToJson(reply, false)).toEqual(["OK", 42, null, ["ü", "ERR nested"], "\ufffd\u0000"]);
  });

  it("encodes a byte slice of a larger buffer by its own bytes only", () => {
    const slice = Buffer.from("xxOKxx").subarray(2, 4);
    expect(replyToJson(slice, true)).toBe("T0s=");
  });
});

describe("request bodies", () => {
  it("stringifies numbers and booleans the way Redis receives them", () => {
    expect(parseCommand(["SET", "k", 1.5, true, -3])).toEqual(["SET", "k", "1.5", "true", "-3"]);
  });

  it("rejects what is not a command", () => {
    for (const body of [[], "GET k", { 0: "GET" }, ["SET", "k", null], ["SET", "k", ["nested"]], null]) {
      expect(() => parseCommand(body)).toThrow(BadRequestError);
    }
    expect(() => parseCommandList([["PING"], []])).toThrow(BadRequestError);
    expect(() => parseCommandList([])).toThrow(BadRequestError);
  });
});

describe("bearer tokens", () => {
  it("accepts exactly the configured token", () => {
    expect(bearerTokenMatches("Bearer secret", "secret")).toBe(true);
    expect(bearerTokenMatches("bearer secret", "secret")).toBe(true);
    for (const header of [
      undefined,
      "",
      "Bearer",
      "Bearer ",
      "Bearer secre",
      "Bearer secret2",
      "Basic secret",
      "secret",
    ]) {
      expect(bearerTokenMatches(header, "secret")).toBe(false);
    }
  });
});

describe("the allow-key-locking shebang rewrite", () => {
  it("drops only the flags open-source Redis rejects", () => {
    expect(withoutUpstashOnlyFlags("#!lua flags=allow-key-locking\nreturn 1")).toBe("#!lua\nreturn 1");
    expect(withoutUpstashOnlyFlags("#!lua flags=no-writes,allow-key-locking\nreturn 1")).toBe(
      "#!lua flags=no-writes\nreturn 1",
    );
    expect(withoutUpstashOnlyFlags("#!lua name=x flags=allow-key-locking,allow-oom\nreturn 1")).toBe(
      "#!lua name=x flags=allow-oom\nreturn 1",
    );
  });

  it("leaves every other script byte for byte alone", () => {
    for (const script of [
      "return 1",
      "#!lua\nreturn 1",
      "#!lua flags=no-writes\nreturn 1",
      "-- flags=allow-key-locking",
    ]) {
      expect(withoutUpstashOnlyFlags(script)).toBe(script);
    }
  });

  it("maps the sha of the original text to the rewritten script for EVALSHA and SCRIPT EXISTS", () => {
    const map = new ScriptShaMap();
    const original = "#!lua flags=allow-key-locking\nreturn redis.call('GET', KEYS[1])";
    const rewritten = "#!lua\nreturn redis.call('GET', KEYS[1])";
    const [originalSha, rewrittenSha] = [sha1(original), sha1(rewritten)];

    expect(map.translate(["EVALSHA", originalSha, "1", "k"]).command).toEqual([
      "EVALSHA",
      originalSha,
      "1",
      "k",
    ]);
    expect(map.translate(["eval", original, "1", "k"]).command).toEqual(["eval", rewritten, "1", "k"]);
    expect(map.translate(["EVALSHA", originalSha.toUpperCase(), "1", "k"]).command).toEqual([
      "EVALSHA",
      rewrittenSha,
      "1",
      "k",
    ]);
    expect(map.translate(["EVALSHA_RO", originalSha, "0"]).command).toEqual([
      "EVALSHA_RO",
      rewrittenSha,
      "0",
    ]);
    expect(map.translate(["SCRIPT", "EXISTS", originalSha, "abc"]).command).toEqual([
      "SCRIPT",
      "EXISTS",
      rewrittenSha,
      "abc",
    ]);

    const flush = map.translate(["SCRIPT", "FLUSH"]);
    flush.mapReply?.(bytes("OK"));
    expect(map.translate(["EVALSHA", originalSha, "0"]).command).toEqual(["EVALSHA", originalSha, "0"]);
  });

  it("answers SCRIPT LOAD with the sha the client computed", () => {
    const map = new ScriptShaMap();
    const original = "#!lua flags=allow-key-locking\nreturn 2";
    const load = map.translate(["SCRIPT", "LOAD", original]);
    expect(load.command).toEqual(["SCRIPT", "LOAD", "#!lua\nreturn 2"]);
    expect(load.mapReply?.(bytes(sha1("#!lua\nreturn 2")))).toEqual(bytes(sha1(original)));
    expect(map.translate(["SCRIPT", "LOAD", "return 3"]).mapReply).toBeUndefined();
  });
});

describe("number syntax and formatting", () => {
  it("parses integers as strictly as Redis's string2ll", () => {
    expect(parseInt64("-9223372036854775808")).toBe(-(2n ** 63n));
    for (const text of ["", "+1", "01", "-0", " 1", "1 ", "1.0", "9223372036854775808", "0x10"]) {
      expect(() => parseInt64(text)).toThrow("ERR value is not an integer or out of range");
    }
  });

  it("parses doubles like strtod without NaN or overflow", () => {
    expect([".5", "5.", "+1e3", "-inf", "Infinity", "1e-320"].map(tryParseDouble)).toEqual([
      0.5,
      5,
      1000,
      -Infinity,
      Infinity,
      1e-320,
    ]);
    for (const text of ["", "nan", "1e400", "1e-400", " 1", "1,5", "0x1p3"])
      expect(tryParseDouble(text)).toBeUndefined();
  });

  it("prints %.17g and Redis's double replies like C", () => {
    expect([0.1, 1e20, 1e-7, 123456789.123, 1 / 3].map((value) => formatG(value, 17))).toEqual([
      "0.10000000000000001",
      "1e+20",
      "9.9999999999999995e-08",
      "123456789.123",
      "0.33333333333333331",
    ]);
    expect(formatG(1.7e12, 14)).toBe("1700000000000");
    expect([-0, 3, -4503599627370495, 2 ** 52, Infinity].map(formatDouble)).toEqual([
      "0",
      "3",
      "-4503599627370495",
      "4503599627370496",
      "inf",
    ]);
  });
});

describe("glob patterns", () => {
  it.each([
    ["h?llo", "hello", true],
    ["h*llo", "hllo", true],
    ["h[ae]llo", "hillo", false],
    ["h[^e]llo", "hallo", true],
    ["h[^e]llo", "hello", false],
    ["h[a-c]llo", "hbllo", true],
    ["h[c-a]llo", "hbllo", true],
    ["x\\*", "x*", true],
    ["x\\*", "xy", false],
    ["*:*:end", "a:b:c:end", true],
    ["a*", "b", false],
    ["", "", true],
  ])("%s against %s is %s", (pattern, subject, expected) => {
    expect(globMatches(pattern, subject)).toBe(expected);
  });
});

describe("subscription event lines", () => {
  it("never lets a payload break the one-line-per-event framing", () => {
    expect(singleLine('{\n  "a": 1\r\n}\r')).toBe('{   "a": 1 } ');
    expect(singleLine("plain")).toBe("plain");
  });
});
