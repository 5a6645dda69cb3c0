import type { Logger } from "./logger.ts";

export interface BackgroundTasks {
  waitUntil(work: Promise<unknown>): void;
  /** Waits for pending work, up to `timeoutMs`; returns how many tasks were still running. */
  drain(timeoutMs: number): Promise<number>;
}

/** Node's stand-in for Workers' waitUntil: work outlives the response but not a clean shutdown. */
export function createBackgroundTasks(logger: Logger): BackgroundTasks {
  const pending = new Set<Promise<unknown>>();
  return {
    waitUntil(work) {
      const tracked = work
        .catch((error: unknown) => logger.error("background task failed", { error }))
        .finally(() => pending.delete(tracked));
      pending.add(tracked);
    },
    async drain(timeoutMs) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      });
      await Promise.race([Promise.allSettled([...pending]), deadline]);
      clearTimeout(timer);
      return pending.size;
    },
  };
}
