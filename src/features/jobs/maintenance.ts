import { sql } from "drizzle-orm";
import { jobs } from "../../db/schema.ts";
import type { JobDeps, JobRegistry } from "./handlers.ts";
import { reclaimExpiredLeases } from "./reclaim.ts";
import { jobIsPending } from "./states.ts";

/**
 * The periodic part of the engine on both runtimes (the Node job loop every few seconds, the
 * Workers cron tick every minute): give back jobs of runners that died, then report the backlog.
 * Never throws.
 */
export async function maintainJobs(deps: JobDeps, registry: JobRegistry): Promise<void> {
  try {
    await reclaimExpiredLeases(deps, registry);
  } catch (error) {
    deps.logger.warn("job lease recovery failed; retrying on the next pass", { error });
  }
  try {
    const backlog = await countBacklog(deps);
    deps.metrics.jobBacklog(backlog.due, backlog.pending);
  } catch (error) {
    deps.logger.debug("job backlog not counted", { error });
  }
}

/** Served by jobs_due_idx (pending rows only), so it stays cheap however many jobs are kept. */
export async function countBacklog(deps: Pick<JobDeps, "db">): Promise<{ due: number; pending: number }> {
  const [row] = await deps.db
    .select({
      due: sql<number>`(count(*) filter (where ${jobs.runAt} <= now()))::int`,
      pending: sql<number>`count(*)::int`,
    })
    .from(jobs)
    .where(jobIsPending);
  return { due: row?.due ?? 0, pending: row?.pending ?? 0 };
}
