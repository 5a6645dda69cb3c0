import { describe, expect, it } from "vitest";
import { LuaEngine } from "../../src/gateway/memory/lua-engine.ts";
import { type Bytes, type MemoryReply, StatusReply, textToBytes } from "../../src/gateway/memory/reply.ts";
import { sha1OfBytes } from "../../src/gateway/memory/scripting.ts";
import { CommandError } from "../../src/gateway/protocol.ts";

function script(body: string) {
  const bytes = textToBytes(body);
  return { sha: sha1OfBytes(bytes), body: bytes };
}

const noCommands = (): MemoryReply => {
  throw new CommandError("ERR no commands in this test");
};

describe("the Lua bridge of the memory backend", () => {
  it("hands redis.call its arguments as Redis would receive them", () => {
    const engine = new LuaEngine();
    const received: Bytes[][] = [];
    const reply = engine.run(
      script("return redis.call('SET', KEYS[1], 1.5, 7, ARGV[1])"),
      ["k"],
      [textToBytes("ü")],
      (args) => {
        received.push(args);
        return new StatusReply("OK");
      },
    );
    expect(received).toEqual([["SET", "k", "1.5", "7", textToBytes("ü")]]);
    expect(reply).toEqual(new StatusReply("OK"));
  });

  it("keeps strings binary-safe in both directions", () => {
    const engine = new LuaEngine();
    const reply = engine.run(
      script("return string.char(0, 200, 255) .. ARGV[1] .. #ARGV[1]"),
      [],
      ["\u00ff\u0000"],
      noCommands,
    );
    expect(reply).toBe("\u0000\u00c8\u00ff\u00ff\u00002");
  });

  it("passes integers beyond 32 bits to Lua without wrapping them", () => {
    const engine = new LuaEngine();
    const reply = engine.run(
      script("local n = redis.call('GET', 'big'); return {n * 2, n + 1}"),
      [],
      [],
      () => 3_000_000_000,
    );
    expect(reply).toEqual([6_000_000_000, 3_000_000_001]);
  });

  it("gives each run its own KEYS and ARGV and lets no script create globals", () => {
    const engine = new LuaEngine();
    expect(engine.run(script("return {#KEYS, #ARGV}"), ["a", "b"], ["c"], noCommands)).toEqual([2, 1]);
    expect(engine.run(script("return {#KEYS, #ARGV}"), [], [], noCommands)).toEqual([0, 0]);
    expect(() => engine.run(script("leaked = 1"), [], [], noCommands)).toThrow(
      "Attempt to modify a readonly table",
    );
  });

  it("offers no file, OS or module access", () => {
    const engine = new LuaEngine();
    for (const name of ["io", "os", "require", "dofile", "loadfile", "package"]) {
      expect(() => engine.run(script(`return ${name}`), [], [], noCommands)).toThrow(
        `Script attempted to access nonexistent global variable '${name}'`,
      );
    }
  });

  it("stops a runaway script and stays usable afterwards", () => {
    const engine = new LuaEngine(100);
    const started = Date.now();
    expect(() => engine.run(script("while true do end"), [], [], noCommands)).toThrow(
      /^ERR Script exceeded the memory backend's 100 ms time limit script: [0-9a-f]{40}, on @user_script:1\.$/,
    );
    expect(Date.now() - started).toBeLessThan(1000);
    expect(engine.run(script("return 'still here'"), [], [], noCommands)).toBe("still here");
  });

  it("reports compile errors without running anything", () => {
    const engine = new LuaEngine();
    expect(() => engine.compile(script("return ("))).toThrow(
      "ERR Error compiling script (new function): user_script:1: unexpected symbol near '<eof>'",
    );
  });

  it("reports the line of a failing redis.call", () => {
    const engine = new LuaEngine();
    const failing = script("local a = 1\n\nreturn redis.call('INCR', 'k')");
    expect(() => engine.run(failing, [], [], noCommands)).toThrow(
      `ERR no commands in this test script: ${failing.sha}, on @user_script:3.`,
    );
  });
});
