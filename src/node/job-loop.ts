import type { JobKicker } from "../deps.ts";
import { claimDueJobs } from "../features/jobs/claim.ts";
import type { JobDeps, JobRegistry } from "../features/jobs/handlers.ts";
import { maintainJobs } from "../features/jobs/maintenance.ts";
import { runClaimedJob } from "../features/jobs/run.ts";

/** Node's JobKicker: kickJobs() after a commit wakes every job loop of this process at once. */
export interface LocalJobKicker extends JobKicker {
  /** Returns the unsubscribe. */
  onKick(listener: () => void): () => void;
}

export function createLocalJobKicker(): LocalJobKicker {
  const listeners = new Set<() => void>();
  return {
    kick() {
      for (const listener of listeners) listener();
    },
    onKick(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export interface JobLoopOptions {
  registry: JobRegistry;
  /** Woken by kickJobs() on this instance; other instances find the jobs at their next poll. */
  kicker?: LocalJobKicker;
  /** How often the loop looks for due jobs when nothing woke it (retries, other instances' jobs). */
  pollIntervalMs: number;
  /** Jobs this instance runs at once. */
  concurrency: number;
  /**
   * While this says so (requests are waiting for the database), the loop starts no job but one
   * every `yieldFloorMs`, and none while one runs: background work gives way to callers, and
   * catches up when they are answered.
   */
  yieldWhile?: () => boolean;
  /** While yielding, one job still starts this often (default 1 s): an overload delays jobs, never stops them. */
  yieldFloorMs?: number;
  /** Lease recovery and the backlog gauge, at most this often (default 5 s). */
  maintenanceEveryMs?: number;
  /** Jitter's random source; tests pin it. */
  random?: () => number;
}

export interface JobLoop {
  /** Stops claiming, then waits for the jobs running (each ends by its timeout at the latest). */
  stop(): Promise<void>;
}

/**
 * Node's job runner, the Workers Queue consumer's counterpart: claims due jobs from PostgreSQL
 * (FOR UPDATE SKIP LOCKED, with leases, so several instances split the work and a dead one's jobs
 * come back) and runs up to `concurrency` at once. It claims again as soon as a job ends or
 * kickJobs() wakes it, otherwise every `pollIntervalMs`; under load (`yieldWhile`) it starts one job
 * a `yieldFloorMs` at most. Timers are unref'd.
 */
export function startJobLoop(deps: JobDeps, options: JobLoopOptions): JobLoop {
  const { registry, concurrency } = options;
  const maintenanceEveryMs = options.maintenanceEveryMs ?? 5000;
  const yieldFloorMs = options.yieldFloorMs ?? 1000;
  const running = new Set<Promise<void>>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let pass: Promise<void> | undefined;
  let wokenDuringPass = false;
  let stopped = false;
  let lastMaintenance = Number.NEGATIVE_INFINITY;
  let lastStart = Number.NEGATIVE_INFINITY;
  /** Set by a claim pass that gave way: look again when the floor allows the next start. */
  let yieldedFor: number | undefined;

  const schedule = () => {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(wake, Math.min(options.pollIntervalMs, yieldedFor ?? Number.POSITIVE_INFINITY));
    timer.unref();
  };

  /**
   * Every connection a job holds is one a waiting request does not get: while requests wait, a
   * job starts only when none runs and the floor has passed since the last start.
   */
  function freeSlots(): number {
    yieldedFor = undefined;
    if (!options.yieldWhile?.()) return concurrency - running.size;
    // A running job's end wakes the loop; with none running, a timer does at the floor.
    if (running.size > 0) return 0;
    const sinceStart = performance.now() - lastStart;
    if (sinceStart >= yieldFloorMs) return 1;
    yieldedFor = yieldFloorMs - sinceStart;
    return 0;
  }

  function wake() {
    if (stopped) return;
    if (pass) {
      wokenDuringPass = true;
      return;
    }
    clearTimeout(timer);
    pass = claimAndStart().finally(() => {
      pass = undefined;
      if (wokenDuringPass) {
        wokenDuringPass = false;
        wake();
      } else schedule();
    });
  }

  async function claimAndStart() {
    try {
      if (performance.now() - lastMaintenance >= maintenanceEveryMs) {
        lastMaintenance = performance.now();
        await maintainJobs(deps, registry);
      }
      while (!stopped) {
        const free = freeSlots();
        if (free <= 0) return;
        const claimed = await claimDueJobs(deps.db, registry, { limit: free });
        if (claimed.length > 0) lastStart = performance.now();
        for (const job of claimed) {
          const run: Promise<void> = runClaimedJob(deps, registry, job, { random: options.random })
            .then(
              () => undefined,
              (error: unknown) => deps.logger.error("job run failed", { jobId: job.id, error }),
            )
            .finally(() => {
              running.delete(run);
              wake();
            });
          running.add(run);
        }
        if (claimed.length < free) return;
      }
    } catch (error) {
      deps.logger.warn("job claim failed; retrying on the next poll", { error });
    }
  }

  const unsubscribe = options.kicker?.onKick(wake);
  wake();
  deps.logger.info("job loop started", {
    concurrency,
    pollIntervalMs: options.pollIntervalMs,
    kinds: registry.kinds,
  });

  return {
    async stop() {
      if (!stopped) {
        stopped = true;
        unsubscribe?.();
        clearTimeout(timer);
        deps.logger.info("job loop stopping", { running: running.size });
      }
      await pass;
      await Promise.all([...running]);
      deps.logger.info("job loop stopped");
    },
  };
}
