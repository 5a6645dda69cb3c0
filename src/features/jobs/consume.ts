import { and, eq, sql } from "drizzle-orm";
import { jobs } from "../../db/schema.ts";
import { claimDueJobs } from "./claim.ts";
import { MAX_QUEUE_DELAY_SECONDS } from "./dispatch.ts";
import type { JobDeps, JobRegistry } from "./handlers.ts";
import { type RunOptions, runClaimedJob } from "./run.ts";

/** What to do with the message that named the job. */
export type MessageVerdict = { action: "ack" } | { action: "retry"; delaySeconds: number };

/**
 * The Queue consumer's work for one message: claim the job it names under the same rules as the
 * Node loop (due, pending, a free slot in its group, a lease), run it, and say what becomes of the
 * message. The row is the truth; a message is only a wake-up, so a duplicate or stale one is
 * acknowledged and dropped:
 * - done, failed, missing, or running elsewhere: ack (a runner that dies is recovered by its lease);
 * - not due yet (a retry sent early, a wait longer than the queue's delay): retry for the rest;
 * - its group is full: ack and mark it unsent; the group's running job sends it when it ends;
 * - ran and must retry: retry the message after the job's delay (capped at the queue's maximum).
 */
export async function consumeJobMessage(
  deps: JobDeps,
  registry: JobRegistry,
  jobId: string,
  options: Pick<RunOptions, "random"> = {},
): Promise<MessageVerdict> {
  const [claimed] = await claimDueJobs(deps.db, registry, { limit: 1, ids: [jobId] });
  if (!claimed) return verdictForUnclaimed(deps, registry, jobId);
  const outcome = await runClaimedJob(deps, registry, claimed, { ...options, retryStaysSent: true });
  if (outcome.outcome !== "retry") return { action: "ack" };
  return { action: "retry", delaySeconds: queueDelay(outcome.delaySeconds) };
}

async function verdictForUnclaimed(
  deps: JobDeps,
  registry: JobRegistry,
  jobId: string,
): Promise<MessageVerdict> {
  const [row] = await deps.db
    .select({
      state: jobs.state,
      kind: jobs.kind,
      secondsUntilDue: sql<number>`extract(epoch from ${jobs.runAt} - now())::float8`,
    })
    .from(jobs)
    .where(eq(jobs.id, jobId));
  if (row?.state !== "pending") return { action: "ack" };
  if (!registry.get(row.kind)) {
    // Said on the row, where whoever wonders why it never runs will look; this Worker's
    // dispatch never sends a kind it does not know, so the message does not come back.
    deps.logger.warn("job message for a kind this Worker does not know", { jobId, kind: row.kind });
    await deps.db
      .update(jobs)
      .set({
        lastError: `no handler for job kind ${row.kind} on this Worker`,
        sentAt: null,
        updatedAt: sql`now()`,
      })
      .where(and(eq(jobs.id, jobId), eq(jobs.state, "pending")));
    return { action: "ack" };
  }
  if (row.secondsUntilDue > 0) return { action: "retry", delaySeconds: queueDelay(row.secondsUntilDue) };
  // Due, pending, known, yet not claimed: its group is full (or another consumer holds the row
  // this instant). Unsent, it goes out again when the group's running job ends, or at the cron tick.
  await deps.db
    .update(jobs)
    .set({ sentAt: null })
    .where(and(eq(jobs.id, jobId), eq(jobs.state, "pending")));
  return { action: "ack" };
}

function queueDelay(seconds: number): number {
  return Math.min(MAX_QUEUE_DELAY_SECONDS, Math.max(0, Math.ceil(seconds)));
}
