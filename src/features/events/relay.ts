import { asc, count, isNull } from "drizzle-orm";
import { events } from "../../db/schema.ts";
import type { Deps } from "../../deps.ts";
import { pruneJobs } from "../jobs/prune.ts";
import { pruneReadNotifications, sweepDueDates } from "../notifications/maintenance.ts";
import { pruneDeliveryLog } from "../webhooks/deliveries.ts";
import { fanOutQuietly } from "../webhooks/fanout.ts";
import { pruneEvents } from "./prune.ts";
import { type EventDeps, publishAndMark } from "./publish.ts";

export interface RelayOptions {
  /** Events per transaction (one SELECT, one pipelined publish, one UPDATE). */
  batchSize?: number;
  /** Upper bound on batches per call, so one run cannot hold a cron tick or loop turn forever. */
  maxBatches?: number;
}

/**
 * Publishes what is still unpublished (a failed or lost publish-after-commit), oldest first, batch
 * by batch until a batch comes back short. Each batch is claimed with FOR UPDATE SKIP LOCKED in
 * its own transaction, so several instances (Node loops, overlapping cron ticks) split the backlog
 * instead of publishing the same events twice. Throws if Redis fails; that batch stays unpublished.
 * Returns how many events were published.
 */
export async function relayUnpublished(deps: EventDeps, options: RelayOptions = {}): Promise<number> {
  const batchSize = options.batchSize ?? 100;
  const maxBatches = options.maxBatches ?? 20;
  let published = 0;
  for (let batch = 0; batch < maxBatches; batch++) {
    const count = await deps.db.transaction(async (tx) => {
      const rows = await tx
        .select()
        .from(events)
        .where(isNull(events.publishedAt))
        .orderBy(asc(events.id))
        .limit(batchSize)
        .for("update", { skipLocked: true });
      await publishAndMark(deps, tx, rows);
      return rows.length;
    });
    published += count;
    if (count < batchSize) break;
  }
  if (published > 0) deps.logger.info("relayed unpublished events", { published });
  return published;
}

/**
 * One maintenance pass (a Node loop turn or a cron tick): relay, report what is left unpublished
 * (it grows while Redis is down), fan events out to webhooks, then prune old events, finished
 * jobs and the webhook log, remind of due dates and prune read notifications. Never throws.
 */
export async function relayAndPrune(
  deps: EventDeps & Partial<Pick<Deps, "jobs">>,
  options: RelayOptions & { prune?: boolean } = {},
): Promise<void> {
  try {
    await relayUnpublished(deps, options);
  } catch (error) {
    deps.logger.warn("event relay failed; retrying on the next run", { error });
  }
  try {
    deps.metrics.eventRelayBacklog(await countUnpublished(deps));
  } catch (error) {
    // Only the database can fail here, and a relay that could not reach it has just said so.
    deps.logger.debug("event backlog not counted", { error });
  }
  await fanOutQuietly(deps, { countBacklog: true });
  if (options.prune === false) return;
  try {
    await pruneEvents(deps);
  } catch (error) {
    deps.logger.warn("event pruning failed; retrying on the next run", { error });
  }
  // Finished background jobs share the pass: one sweep of old rows per minute on both runtimes.
  try {
    await pruneJobs(deps);
  } catch (error) {
    deps.logger.warn("job pruning failed; retrying on the next run", { error });
  }
  try {
    await pruneDeliveryLog(deps);
  } catch (error) {
    deps.logger.warn("webhook log pruning failed; retrying on the next run", { error });
  }
  // Notifications ride the same once-a-minute pass: due-date reminders, then old read ones.
  try {
    await sweepDueDates(deps);
    await pruneReadNotifications(deps);
  } catch (error) {
    deps.logger.warn("notification maintenance failed; retrying on the next run", { error });
  }
}

/** Served by the partial index on unpublished events, so it stays cheap however large `events` grows. */
async function countUnpublished(deps: Pick<EventDeps, "db">): Promise<number> {
  const [row] = await deps.db.select({ unpublished: count() }).from(events).where(isNull(events.publishedAt));
  return row?.unpublished ?? 0;
}
