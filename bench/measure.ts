import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { LoadResult, LoadSpec } from "./load.ts";
import { readMachineCpu } from "./machine-cpu.ts";
import { cpuMs, rssMb } from "./processes.ts";

export interface Settings {
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
  runs: number;
}

export interface Measurement {
  requestsPerSecond: number;
  latencyMs: { p50: number; p95: number; p99: number };
  /** Server process CPU (utime + stime) per request; `helperCpuMsPerRequest` is the Redis gateway's. */
  cpuMsPerRequest: number;
  helperCpuMsPerRequest?: number;
  /** Every PostgreSQL process's CPU, and the whole machine's busy time, per request (machine-cpu.ts). */
  postgresCpuMsPerRequest: number;
  machineCpuMsPerRequest: number;
  peakRssMb: number;
  /** Per request, under load, from the server's own counters (e.g. Redis round trips), when it has them. */
  perRequest?: Record<string, number>;
  non2xx: number;
  errors: number;
  statusCodes: Record<string, number>;
  runs: LoadResult[];
}

const LOAD_SCRIPT = fileURLToPath(new URL("./load.ts", import.meta.url));

/**
 * One autocannon run in its own Node process. The spec goes through a file: with 2,000 ticket
 * paths and their versions it is larger than one command-line argument may be (128 KiB on Linux).
 */
function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const specFile = join(tmpdir(), `tixgenius-load-${process.pid}-${randomUUID()}.json`);
  writeFileSync(specFile, JSON.stringify(spec));
  return new Promise<LoadResult>((resolve, reject) => {
    execFile(process.execPath, [LOAD_SCRIPT, specFile], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout) =>
      error ? reject(error) : resolve(JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as LoadResult),
    );
  }).finally(() => rmSync(specFile, { force: true }));
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

/** Warm-up, then `runs` fixed-duration runs; medians of each figure, the peak RSS over all runs. */
export async function measure(
  target: {
    url: string;
    pid: number;
    helperPid?: number;
    /** Reads monotonic counters from the server; their deltas per request are reported. */
    counters?: () => Promise<Record<string, number>>;
  },
  load: () => Promise<Omit<LoadSpec, "url" | "connections" | "durationSeconds">>,
  settings: Settings,
): Promise<Measurement> {
  const spec = async (durationSeconds: number): Promise<LoadSpec> => ({
    ...(await load()),
    url: target.url,
    connections: settings.connections,
    durationSeconds,
  });
  await runLoad(await spec(settings.warmupSeconds));
  const runs: LoadResult[] = [];
  const cpu: number[] = [];
  const helperCpu: number[] = [];
  const postgresCpu: number[] = [];
  const machineCpu: number[] = [];
  const perRequest: Record<string, number[]> = {};
  let peakRssMb = 0;
  for (let run = 0; run < settings.runs; run++) {
    const runSpec = await spec(settings.durationSeconds);
    let exited = false;
    // A throw in a timer would end the bench without its cleanup, leaving every server running.
    const sampler = setInterval(() => {
      try {
        peakRssMb = Math.max(peakRssMb, rssMb(target.pid));
      } catch {
        exited = true;
      }
    }, 100);
    const before = cpuMs(target.pid);
    const helperBefore = target.helperPid ? cpuMs(target.helperPid) : 0;
    const countersBefore = await target.counters?.();
    const machineBefore = readMachineCpu();
    const result = await runLoad(runSpec);
    const machineAfter = readMachineCpu();
    clearInterval(sampler);
    if (exited)
      throw new Error(`the process measured at ${target.url} (pid ${target.pid}) exited during the run`);
    const countersAfter = await target.counters?.();
    for (const [name, after] of Object.entries(countersAfter ?? {})) {
      const values = perRequest[name] ?? [];
      values.push((after - (countersBefore?.[name] ?? 0)) / Math.max(1, result.total));
      perRequest[name] = values;
    }
    cpu.push((cpuMs(target.pid) - before) / Math.max(1, result.total));
    if (target.helperPid)
      helperCpu.push((cpuMs(target.helperPid) - helperBefore) / Math.max(1, result.total));
    postgresCpu.push((machineAfter.postgresMs - machineBefore.postgresMs) / Math.max(1, result.total));
    machineCpu.push((machineAfter.machineMs - machineBefore.machineMs) / Math.max(1, result.total));
    runs.push(result);
  }
  const statusCodes: Record<string, number> = {};
  for (const run of runs)
    for (const [code, count] of Object.entries(run.statusCodes))
      statusCodes[code] = (statusCodes[code] ?? 0) + count;
  return {
    requestsPerSecond: Math.round(median(runs.map((run) => run.requestsPerSecond))),
    latencyMs: {
      p50: median(runs.map((run) => run.latencyMs.p50)),
      p95: median(runs.map((run) => run.latencyMs.p95)),
      p99: median(runs.map((run) => run.latencyMs.p99)),
    },
    cpuMsPerRequest: Number(median(cpu).toFixed(3)),
    helperCpuMsPerRequest: target.helperPid ? Number(median(helperCpu).toFixed(3)) : undefined,
    postgresCpuMsPerRequest: Number(median(postgresCpu).toFixed(3)),
    machineCpuMsPerRequest: Number(median(machineCpu).toFixed(3)),
    peakRssMb: Math.round(peakRssMb),
    perRequest: target.counters
      ? Object.fromEntries(
          Object.entries(perRequest).map(([name, values]) => [name, Number(median(values).toFixed(2))]),
        )
      : undefined,
    non2xx: runs.reduce((sum, run) => sum + run.non2xx, 0),
    errors: runs.reduce((sum, run) => sum + run.errors, 0),
    statusCodes,
    runs,
  };
}
