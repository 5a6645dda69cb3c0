import { type SweepDeps, sweepAbandonedUploads } from "../features/attachments/sweep.ts";
import type { EventDeps } from "../features/events/publish.ts";
import { relayAndPrune } from "../features/events/relay.ts";

export interface EventRelayLoop {
  /** Stops scheduling and waits for a run in progress, so the database can close after it. */
  stop(): Promise<void>;
}

export interface EventRelayLoopOptions {
  intervalMs: number;
  /** Pruning is a sweep, not a race: once a minute is plenty. */
  pruneEveryMs?: number;
}

/**
 * Node's stand-in for the Workers cron trigger: relays unpublished events and prunes old ones
 * every `intervalMs` (pruning, and sweeping abandoned uploads, at most every `pruneEveryMs`). Runs never overlap (the next one is scheduled when the last ends), and the
 * timer is unref'd: the loop alone does not keep the process alive.
 */
export function startEventRelayLoop(
  deps: EventDeps & SweepDeps,
  options: EventRelayLoopOptions,
): EventRelayLoop {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  let lastPrune = 0;
  const pruneEveryMs = options.pruneEveryMs ?? 60_000;

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      const prune = Date.now() - lastPrune >= pruneEveryMs;
      if (prune) lastPrune = Date.now();
      const pass = async () => {
        await relayAndPrune(deps, { prune });
        if (prune) await sweepAbandonedUploads(deps);
      };
      running = pass().finally(() => {
        running = undefined;
        schedule();
      });
    }, options.intervalMs);
    timer.unref();
  };
  schedule();
  deps.logger.info("event relay started", { intervalMs: options.intervalMs });

  return {
    async stop() {
      if (stopped) return running;
      stopped = true;
      clearTimeout(timer);
      await running;
      deps.logger.info("event relay stopped");
    },
  };
}
