import { execFileSync } from "node:child_process";
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { afterAll, describe, expect, inject, it, onTestFinished } from "vitest";
import { readMachineCpu } from "../../bench/machine-cpu.ts";
import { compositionAtPeak, readProbeSamples } from "../../bench/memory-composition.ts";
import { appLogCounter } from "../../bench/worker-log.ts";

describe("the Worker's app log in wrangler's output", () => {
  const dir = mkdtempSync(join(tmpdir(), "tixgenius-worker-log-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const line = (level: string, msg: string, code?: string, fields: Record<string, unknown> = {}) =>
    `${JSON.stringify({ time: "2026-12-06T10:00:00.000Z", level, msg, ...(code ? { code } : {}), ...fields })}\n`;

  it("counts only the lines written since the counter started, by level, message, code, status and error", () => {
    const file = join(dir, "wrangler.log");
    writeFileSync(file, line("warn", "before the run"));
    const since = appLogCounter(file);
    appendFileSync(
      file,
      [
        "⎔ Starting local server...\n",
        `\x1b[33m▲ \x1b[43;33m[\x1b[43;30mWARNING\x1b[43;33m]\x1b[0m \x1b[1m${line("warn", "rate limit unavailable: refused (fail closed)", "rate_limit_refused").trimEnd()}\x1b[0m\n`,
        line("warn", "rate limit unavailable: refused (fail closed)", "rate_limit_refused"),
        // wrangler's own colours around the line, as its log file holds them
        `\x1b[31m✘ \x1b[41;31m[\x1b[41;97mERROR\x1b[41;31m]\x1b[0m \x1b[1m${line("error", "request", undefined, { status: 503 }).trimEnd()}\x1b[0m\n`,
        line("warn", "rate limit unavailable: refused (fail closed)", undefined, {
          error: { name: "TimeoutError", message: "login limiter did not answer within 300 ms" },
        }),
      ].join(""),
    );
    expect(since()).toEqual({
      "warn: rate limit unavailable: refused (fail closed) (rate_limit_refused)": 2,
      "error: request (503)": 1,
      "warn: rate limit unavailable: refused (fail closed) (login limiter did not answer within 300 ms)": 1,
    });
    expect(since()).toEqual({});
  });

  it("leaves a line still being written for the next count", () => {
    const file = join(dir, "partial.log");
    writeFileSync(file, "");
    const since = appLogCounter(file);
    const whole = line("warn", "cut");
    appendFileSync(file, whole.slice(0, 20));
    expect(since()).toEqual({});
    appendFileSync(file, whole.slice(20));
    expect(since()).toEqual({ "warn: cut": 1 });
  });
});

describe("the machine's CPU", () => {
  const postgresUrl = inject("postgresUrl");

  // Other test files may use PostgreSQL and the cores meanwhile: only lower bounds hold. The
  // server must run on this machine, as the bench's does.
  it.runIf(postgresUrl)(
    "finds PostgreSQL's backends by name, and counts every process in the machine's busy time",
    async () => {
      const sql = postgres(postgresUrl as string, { max: 1 });
      onTestFinished(() => sql.end());
      const before = readMachineCpu();
      // About half a second of one backend's CPU, and nothing of this process's.
      await sql`select count(*) from generate_series(1, 6000000)`;
      const between = readMachineCpu();
      const started = performance.now();
      while (performance.now() - started < 300) Math.sqrt(started); // this process only
      const after = readMachineCpu();
      expect(between.postgresMs - before.postgresMs).toBeGreaterThan(100);
      expect(between.machineMs - before.machineMs).toBeGreaterThanOrEqual(
        between.postgresMs - before.postgresMs,
      );
      expect(after.machineMs - between.machineMs).toBeGreaterThan(150);
    },
  );
});

describe("what the resident set is made of", () => {
  it("puts a process's Buffers outside the V8 heap, and leaves Node's own memory as the rest", () => {
    const dir = mkdtempSync(join(tmpdir(), "tixgenius-memory-probe-"));
    try {
      const file = join(dir, "probe.jsonl");
      // 80 MB of Buffers, touched so they are resident, kept for a few of the probe's readings.
      const script =
        "const kept = Array.from({ length: 80 }, () => Buffer.alloc(1 << 20, 1)); setTimeout(() => kept.length, 400);";
      execFileSync(process.execPath, ["--import", "./bench/memory-probe.mjs", "-e", script], {
        env: { ...process.env, MEMORY_PROBE_FILE: file, MEMORY_PROBE_MS: "50" },
      });
      const peak = compositionAtPeak(readProbeSamples(file));
      expect(peak?.externalMb).toBeGreaterThanOrEqual(80);
      expect(peak?.arrayBuffersMb).toBeGreaterThanOrEqual(80);
      expect(peak?.v8HeapMb).toBeLessThan(80);
      // Node's own code and native memory: tens of MB, never negative unless a part is counted twice.
      expect(peak?.restMb).toBeGreaterThan(10);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
