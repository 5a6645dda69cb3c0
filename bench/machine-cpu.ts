import { readdirSync, readFileSync } from "node:fs";
import { cpuMsOfStat, TICKS_PER_SECOND } from "./processes.ts";

/**
 * Where a run's CPU went on the whole machine, so a target's throughput can be read as "2 cores
 * divided by the CPU one request costs everywhere": the server, its helper, PostgreSQL's backends
 * and the rest (the load generator, the OS). Read from /proc before and after each run.
 */
export interface MachineCpu {
  /** Every core's busy time (user, nice, system, irq, softirq, steal), in ms. */
  machineMs: number;
  /** utime + stime of every process named `postgres` alive at the reading, in ms. */
  postgresMs: number;
}

export function readMachineCpu(): MachineCpu {
  return { machineMs: machineBusyMs(), postgresMs: postgresCpuMs() };
}

function machineBusyMs(): number {
  const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0] ?? "";
  // cpu user nice system idle iowait irq softirq steal guest guest_nice (guest is inside user)
  const [user, nice, system, _idle, _iowait, irq, softirq, steal] = line
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const busy = [user, nice, system, irq, softirq, steal].reduce<number>(
    (sum, ticks) => sum + (ticks ?? 0),
    0,
  );
  return (busy * 1000) / TICKS_PER_SECOND;
}

/**
 * PostgreSQL's server processes, found by name. A backend that ends between two readings takes its
 * CPU with it, so this is exact for pooled clients (the API, the ceilings, the plain stack) and an
 * undercount for a client that connects per request (the Worker's direct variant).
 */
function postgresCpuMs(): number {
  let total = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")) === "postgres") total += cpuMsOfStat(stat);
    } catch {
      // ended while /proc was read
    }
  }
  return total;
}
