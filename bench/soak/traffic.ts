import { setTimeout as sleep } from "node:timers/promises";

export interface TrafficPlan {
  /** Steps started per second, whatever the answers' latency (an open loop, like real users). */
  rate: number;
  durationMs: number;
  /** Above this many steps in flight a tick is skipped and counted: the server is not keeping up. */
  maxInFlight: number;
  next(): () => Promise<void>;
}

export interface TrafficRun {
  ticks: number;
  started: number;
  skipped: number;
  /** Steps that threw: a fault of the soak's client, never hidden. */
  clientFaults: number;
  durationMs: number;
}

/** Starts one step per tick at a steady rate for the duration, then waits for the steps in flight. */
export async function driveTraffic(plan: TrafficPlan): Promise<TrafficRun> {
  const intervalMs = 1000 / plan.rate;
  const inFlight = new Set<Promise<void>>();
  const run: TrafficRun = { ticks: 0, started: 0, skipped: 0, clientFaults: 0, durationMs: 0 };
  const start = performance.now();
  for (;;) {
    const dueAt = start + run.ticks * intervalMs;
    if (dueAt - start >= plan.durationMs) break;
    const wait = dueAt - performance.now();
    if (wait > 0) await sleep(wait);
    run.ticks++;
    if (inFlight.size >= plan.maxInFlight) {
      run.skipped++;
      continue;
    }
    run.started++;
    const step = plan
      .next()()
      .catch((error: unknown) => {
        run.clientFaults++;
        if (run.clientFaults <= 5) console.error("soak step failed:", error);
      })
      .finally(() => inFlight.delete(step));
    inFlight.add(step);
  }
  await Promise.all(inFlight);
  run.durationMs = performance.now() - start;
  return run;
}
