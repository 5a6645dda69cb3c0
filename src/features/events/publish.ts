import { and, asc, inArray, isNull, sql } from "drizzle-orm";
import { events } from "../../db/schema.ts";
import type { Deps } from "../../deps.ts";
import { fanOutQuietly } from "../webhooks/fanout.ts";
import { channelsOf, type EventRow, toEnvelope } from "./channels.ts";

/** What publishing, relaying and pruning need: no request, no waitUntil. */
export type EventDeps = Pick<Deps, "db" | "redis" | "logger" | "config" | "metrics">;
type Tx = Parameters<Parameters<Deps["db"]["transaction"]>[0]>[0];

/**
 * Called by a service once its transaction committed: publishing and the webhook fan-out happen
 * off the response path, and their failure costs nothing but latency (the relay does what is left).
 */
export function publishAfterCommit(deps: Deps, ids: readonly number[]): void {
  if (ids.length > 0) deps.waitUntil(publishEvents(deps, ids).then(() => fanOutQuietly(deps)));
}

/**
 * Publishes the given events, if still unpublished, and marks them published. The rows are locked
 * with SKIP LOCKED so this and a relay never publish the same event at the same time: whichever
 * holds the rows publishes them, the other skips them. If Redis fails the transaction rolls back,
 * the events stay unpublished and the relay retries them later.
 */
export async function publishEvents(deps: EventDeps, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  try {
    await deps.db.transaction(async (tx) => {
      const rows = await tx
        .select()
        .from(events)
        .where(and(inArray(events.id, [...ids]), isNull(events.publishedAt)))
        .orderBy(asc(events.id))
        .for("update", { skipLocked: true });
      await publishAndMark(deps, tx, rows);
    });
  } catch (error) {
    deps.logger.warn("event publish failed; the relay will retry", {
      code: "event_publish_failed",
      eventIds: ids,
      error,
    });
  }
}

/**
 * Sends every row to each of its channels in one pipelined round trip, oldest first, then marks
 * them published in one update. Throws when Redis fails, so the caller's transaction rolls back.
 */
export async function publishAndMark(
  deps: Pick<EventDeps, "redis" | "metrics">,
  tx: Tx,
  rows: readonly EventRow[],
) {
  if (rows.length === 0) return;
  const pipeline = deps.redis.pipeline();
  for (const row of rows) {
    const message = JSON.stringify(toEnvelope(row));
    for (const channel of channelsOf(row)) pipeline.publish(channel, message);
  }
  await pipeline.exec();
  deps.metrics.eventsPublished(lagsSecondsAt(Date.now(), rows));
  await tx
    .update(events)
    .set({ publishedAt: sql`now()` })
    .where(
      inArray(
        events.id,
        rows.map((row) => row.id),
      ),
    );
}

/**
 * Seconds from each outbox insert to now. `created_at` is the inserting transaction's start on the
 * database's clock, so small skew against this process's clock is clamped to zero.
 */
function lagsSecondsAt(publishedAt: number, rows: readonly EventRow[]): number[] {
  return rows.map((row) => Math.max(0, (publishedAt - row.createdAt.getTime()) / 1000));
}
