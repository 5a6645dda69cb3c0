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
   * While this says so (requests are waiting for the database), the loop runs one job at a time:
   * background work gives way to callers, and catches up when they are answered.
   */
  yieldWhile?: () => boolean;
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
 * kickJobs() wakes it, otherwise every `pollIntervalMs`; under load (`yieldWhile`) it runs one job at
 * a time. Timers are unref'd.
 */
export function startJobLoop(deps: JobDeps, options: JobLoopOptions): JobLoop {
  const { registry, concurrency } = options;
  const maintenanceEveryMs = options.maintenanceEveryMs ?? 5000;
  const running = new Set<Promise<void>>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let pass: Promise<void> | undefined;
  let wokenDuringPass = false;
  let stopped = false;
  let lastMaintenance = Number.NEGATIVE_INFINITY;

  const schedule = () => {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(wake, options.pollIntervalMs);
    timer.unref();
  };

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
        const free = (options.yieldWhile?.() ? 1 : concurrency) - running.size;
        if (free <= 0) return;
        const claimed = await claimDueJobs(deps.db, registry, { limit: free });
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
