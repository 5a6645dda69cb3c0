import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";

export const TICKS_PER_SECOND = 100; // USER_HZ on Linux

export interface Started {
  name: string;
  child: ChildProcess;
  pid: number;
  stop(): Promise<void>;
}

/**
 * Runs an entry point in its own Node process (TypeScript through tsx loaded as a hook, so the pid
 * is the server's), with `entryArgs` after it. Its stdout (the JSON log) goes to `logFile` when given,
 * nowhere otherwise; its stderr to `logFile` too (wrangler writes its warnings and errors there, the
 * Worker's own among them), else it is kept in memory to be shown if the process fails.
 */
export function startNode(
  name: string,
  entry: string,
  env: Record<string, string>,
  nodeArgs: string[] = [],
  logFile?: string,
  entryArgs: string[] = [],
) {
  const log = logFile ? openSync(logFile, "w") : undefined;
  // A bundle (.mjs, see bundleForNode) or plain JS runs on plain Node; TypeScript through tsx.
  const loader = entry.endsWith(".ts") ? ["--import", "tsx"] : [];
  const child = spawn(process.execPath, [...nodeArgs, ...loader, entry, ...entryArgs], {
    env: { ...process.env, ...env },
    stdio: ["ignore", log ?? "ignore", log ?? "pipe"],
  });
  if (log !== undefined) closeSync(log); // the child holds its own copy
  let stderr = "";
  const lastOutput = () => {
    try {
      return logFile ? readFileSync(logFile, "utf8").slice(-4000) : stderr;
    } catch {
      return stderr; // the log's folder already removed
    }
  };
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  child.on("exit", (code, signal) => {
    if (code && code !== 0) console.error(`${name} exited with ${code ?? signal}\n${lastOutput()}`);
  });
  const started: Started = {
    name,
    child,
    pid: child.pid ?? -1,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
  return started;
}

/** Polls `url` until it answers (any status) or the deadline passes. */
export async function waitForHttp(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await fetch(url);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${url} did not come up: ${String(error)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** utime + stime of a process, in milliseconds, from /proc/<pid>/stat (measured from outside). */
export function cpuMs(pid: number): number {
  return cpuMsOfStat(readFileSync(`/proc/${pid}/stat`, "utf8"));
}

/** The same, from the text of a /proc/<pid>/stat already read. */
export function cpuMsOfStat(stat: string): number {
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

/** Resident set size now, in MB (sampled during a run to find its peak). */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = /VmRSS:\s+(\d+)/.exec(status)?.[1];
  return Number(kb ?? 0) / 1024;
}
