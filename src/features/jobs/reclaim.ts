import { and, inArray, lt, sql } from "drizzle-orm";
import { jobs } from "../../db/schema.ts";
import type { JobDeps, JobRegistry } from "./handlers.ts";
import { jobIsRunning } from "./states.ts";

const RECLAIM_BATCH = 100;

/**
 * Gives back the jobs whose runner died (a crash, a killed process, an evicted isolate): a running
 * job whose lease ran out is pending again and due at once, or failed when that run was its last
 * allowed attempt (then onExhausted runs). The crashed run counts as an attempt. Rows are taken
 * FOR UPDATE SKIP LOCKED, so concurrent reclaimers split them. Returns how many were reclaimed.
 */
export async function reclaimExpiredLeases(deps: JobDeps, registry: JobRegistry): Promise<number> {
  if (registry.kinds.length === 0) return 0;
  const { retried, exhausted } = await deps.db.transaction(async (tx) => {
    const expired = await tx
      .select({ id: jobs.id, kind: jobs.kind, attempts: jobs.attempts, payload: jobs.payload })
      .from(jobs)
      .where(and(jobIsRunning, lt(jobs.leaseExpiresAt, sql`now()`), inArray(jobs.kind, [...registry.kinds])))
      .limit(RECLAIM_BATCH)
      .for("update", { skipLocked: true });
    const isExhausted = (job: (typeof expired)[number]) =>
      job.attempts > (registry.get(job.kind)?.retryDelaysSeconds.length ?? 0);
    const retried = expired.filter((job) => !isExhausted(job));
    const exhausted = expired.filter(isExhausted);
    const error = "the runner stopped before recording an outcome (lease expired)";
    const common = { leaseExpiresAt: null, lastError: error, updatedAt: sql`now()` };
    if (retried.length > 0)
      await tx
        .update(jobs)
        .set({ ...common, state: "pending", sentAt: null, runAt: sql`now()` })
        .where(
          inArray(
            jobs.id,
            retried.map((job) => job.id),
          ),
        );
    if (exhausted.length > 0)
      await tx
        .update(jobs)
        .set({ ...common, state: "failed", finishedAt: sql`now()` })
        .where(
          inArray(
            jobs.id,
            exhausted.map((job) => job.id),
          ),
        );
    return { retried, exhausted: exhausted.map((job) => ({ ...job, error })) };
  });
  for (const job of [...retried, ...exhausted])
    deps.logger.warn("job lease expired", { jobId: job.id, kind: job.kind, attempt: job.attempts });
  for (const job of exhausted) {
    deps.metrics.jobRun(job.kind, "failed", 0);
    const onExhausted = registry.get(job.kind)?.onExhausted;
    if (!onExhausted) continue;
    try {
      await onExhausted(deps, { id: job.id, payload: job.payload, attempt: job.attempts, error: job.error });
    } catch (error) {
      deps.logger.error("job onExhausted failed", { jobId: job.id, kind: job.kind, error });
    }
  }
  return retried.length + exhausted.length;
}
