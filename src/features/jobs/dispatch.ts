import { and, asc, eq, inArray, isNotNull, isNull, lte, notInArray, or, type SQL, sql } from "drizzle-orm";
import type { Database } from "../../db/database.ts";
import { jobs } from "../../db/schema.ts";
import type { Logger } from "../../lib/logger.ts";
import { groupHasRoom, withinGroupCaps } from "./claim.ts";
import type { JobRegistry } from "./handlers.ts";
import { jobIsPending } from "./states.ts";

/** What a Queue message carries: the row is the truth, the message only says "look at this job". */
export interface JobMessage {
  jobId: string;
}

/** The producer side of a message queue (a Cloudflare Queue binding's sendBatch). */
export interface JobMessageSender {
  send(messages: readonly { jobId: string; delaySeconds: number }[]): Promise<void>;
}

/**
 * The longest delay handed to the queue. Cloudflare documents 12 hours (now 24); a job due later
 * comes back early, finds itself not due, and is sent on with the rest of its wait.
 */
export const MAX_QUEUE_DELAY_SECONDS = 12 * 3600;
/** Messages per sendBatch (Cloudflare's limit is 100). */
const SEND_BATCH = 100;
/** A job due this long after its last send has lost its message (a failed send, a dead-lettered message). */
export const LOST_MESSAGE_AFTER_SECONDS = 300;

export interface DispatchOptions {
  /** Also re-send jobs whose message was lost (the cron tick); a kick sends only never-sent ones. */
  resendLost?: boolean;
  /** Batches per call, so one pass cannot hold a request's waitUntil or a cron tick forever. */
  maxBatches?: number;
}

/**
 * Hands pending jobs to the queue: those never sent that are due within the longest queue delay
 * (sent with their remaining wait), and with `resendLost` the due ones whose message went missing.
 * Jobs of a group at its cap stay unsent; the end of that group's running job sends them. Rows are
 * locked FOR UPDATE SKIP LOCKED and marked sent in the transaction that sent them, so a failed
 * send leaves them unsent (the cron tick retries) and concurrent dispatchers never send one twice.
 * Returns how many were sent.
 */
export async function dispatchJobs(
  deps: { db: Database; logger: Logger },
  registry: JobRegistry,
  sender: JobMessageSender,
  options: DispatchOptions = {},
): Promise<number> {
  if (registry.kinds.length === 0) return 0;
  let sent = 0;
  for (let batch = 0; batch < (options.maxBatches ?? 10); batch++) {
    const count = await deps.db.transaction(async (tx) => {
      const candidates = await tx
        .select({
          id: jobs.id,
          kind: jobs.kind,
          group: jobs.group,
          delaySeconds: sql<number>`greatest(0, ceil(extract(epoch from ${jobs.runAt} - now())))::int`,
        })
        .from(jobs)
        .where(
          and(
            jobIsPending,
            inArray(jobs.kind, [...registry.kinds]),
            or(
              and(
                isNull(jobs.sentAt),
                lte(jobs.runAt, sql`now() + ${MAX_QUEUE_DELAY_SECONDS} * interval '1 second'`),
              ),
              options.resendLost ? lostMessage() : undefined,
            ),
            groupHasRoom(registry),
          ),
        )
        .orderBy(asc(jobs.runAt))
        .limit(SEND_BATCH)
        .for("update", { skipLocked: true });
      if (candidates.length === 0) return { sent: 0, candidates: 0 };
      // A capped group gets messages only for its free slots (running and already sent count),
      // so a long backlog behind a slow receiver does not circle through the queue.
      const rows = await withinGroupCaps(registry, candidates, (capped) =>
        tx
          .select({ group: jobs.group, busy: sql<number>`count(*)::int` })
          .from(jobs)
          .where(
            and(
              inArray(jobs.group, capped),
              notInArray(
                jobs.id,
                candidates.map((row) => row.id),
              ),
              or(eq(jobs.state, "running"), and(eq(jobs.state, "pending"), isNotNull(jobs.sentAt))),
            ),
          )
          .groupBy(jobs.group),
      );
      if (rows.length === 0) return { sent: 0, candidates: candidates.length };
      await sender.send(
        rows.map((row) => ({
          jobId: row.id,
          delaySeconds: Math.min(row.delaySeconds, MAX_QUEUE_DELAY_SECONDS),
        })),
      );
      await tx
        .update(jobs)
        .set({ sentAt: sql`now()` })
        .where(
          inArray(
            jobs.id,
            rows.map((row) => row.id),
          ),
        );
      return { sent: rows.length, candidates: candidates.length };
    });
    sent += count.sent;
    // A short batch, or one the group caps thinned, is the end of what can be sent now.
    if (count.candidates < SEND_BATCH || count.sent < count.candidates) break;
  }
  if (sent > 0)
    deps.logger.debug("jobs sent to the queue", { sent, resendLost: options.resendLost ?? false });
  return sent;
}

function lostMessage(): SQL {
  const lostBefore = sql`now() - ${LOST_MESSAGE_AFTER_SECONDS} * interval '1 second'`;
  return sql`(${jobs.runAt} <= ${lostBefore} and ${jobs.sentAt} <= ${lostBefore})`;
}
