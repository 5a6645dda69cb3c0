import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { createStdoutLogSink } from "../../src/node/log-sink.ts";

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe("the Node door's log sink", () => {
  it("writes the lines of one event-loop turn with one write, in order", async () => {
    const writes: string[] = [];
    const { sink } = createStdoutLogSink((text) => writes.push(text));
    sink('{"n":1}');
    sink('{"n":2}');
    sink('{"n":3}');
    expect(writes).toEqual([]);
    await nextTurn();
    expect(writes).toEqual(['{"n":1}\n{"n":2}\n{"n":3}\n']);
    sink('{"n":4}');
    await nextTurn();
    expect(writes).toEqual(['{"n":1}\n{"n":2}\n{"n":3}\n', '{"n":4}\n']);
  });

  it("writes at once when a turn has logged 64 KiB", () => {
    const writes: string[] = [];
    const { sink } = createStdoutLogSink((text) => writes.push(text));
    const line = "x".repeat(1023);
    for (let i = 0; i < 64; i++) sink(line);
    expect(writes).toHaveLength(1);
    expect(writes[0]).toBe(`${line}\n`.repeat(64));
  });

  it("keeps what was logged before an uncaught exception ends the process", () => {
    const script = `
      import { createStdoutLogSink } from "./src/node/log-sink.ts";
      const { sink } = createStdoutLogSink();
      sink("before the crash 1");
      sink("before the crash 2");
      throw new Error("crash");`;
    const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      encoding: "utf8",
    });
    expect(child.status).not.toBe(0);
    expect(child.stderr).toContain("crash");
    expect(child.stdout).toBe("before the crash 1\nbefore the crash 2\n");
  });
});
