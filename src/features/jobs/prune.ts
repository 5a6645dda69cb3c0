import { and, eq, inArray, lt, sql } from "drizzle-orm";
import type { Config } from "../../config/schema.ts";
import type { Database } from "../../db/database.ts";
import { type JobState, jobs } from "../../db/schema.ts";

const PRUNE_BATCH = 5000;
const MAX_PRUNE_BATCHES = 20;

/**
 * Deletes done jobs older than JOB_RETENTION_DAYS and failed ones older than
 * JOB_FAILED_RETENTION_DAYS (longer by default: a failed job is what someone investigates), in
 * bounded statements over jobs_finished_idx. Pending and running jobs are never pruned, whatever
 * their age. Runs in the same maintenance pass as event pruning. Returns how many went.
 */
export async function pruneJobs(deps: { db: Database; config: Config }): Promise<number> {
  const done = await pruneFinished(deps.db, "done", deps.config.JOB_RETENTION_DAYS);
  const failed = await pruneFinished(deps.db, "failed", deps.config.JOB_FAILED_RETENTION_DAYS);
  return done + failed;
}

async function pruneFinished(db: Database, state: JobState, days: number): Promise<number> {
  const cutoff = sql`now() - make_interval(days => ${days}::int)`;
  let pruned = 0;
  for (let batch = 0; batch < MAX_PRUNE_BATCHES; batch++) {
    const expired = db
      .select({ id: jobs.id })
      .from(jobs)
      .where(and(eq(jobs.state, state), lt(jobs.finishedAt, cutoff)))
      .limit(PRUNE_BATCH);
    const deleted = await db.delete(jobs).where(inArray(jobs.id, expired)).returning({ id: jobs.id });
    pruned += deleted.length;
    if (deleted.length < PRUNE_BATCH) break;
  }
  return pruned;
}
