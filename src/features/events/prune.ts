import { and, inArray, isNotNull, lt, sql } from "drizzle-orm";
import { events, webhookFanout } from "../../db/schema.ts";
import type { EventDeps } from "./publish.ts";

const PRUNE_BATCH = 5000;
const MAX_PRUNE_BATCHES = 20;

/**
 * Deletes published events older than EVENTS_RETENTION_HOURS, in bounded statements (short locks,
 * a small WAL burst) over events_created_idx. Unpublished events are kept whatever their age: the
 * relay still owes them to subscribers, and so are events not yet fanned out to webhooks. A client resuming from an id older than the retention
 * finds its replay truncated; that is the stream's business to report. Returns how many went.
 */
export async function pruneEvents(deps: Pick<EventDeps, "db" | "config">): Promise<number> {
  const cutoff = sql`now() - make_interval(hours => ${deps.config.EVENTS_RETENTION_HOURS}::int)`;
  let pruned = 0;
  for (let batch = 0; batch < MAX_PRUNE_BATCHES; batch++) {
    const expired = deps.db
      .select({ id: events.id })
      .from(events)
      .where(
        and(
          lt(events.createdAt, cutoff),
          isNotNull(events.publishedAt),
          sql`${events.id} <= (select ${webhookFanout.lastEventId} from ${webhookFanout} where ${webhookFanout.id} = 1)`,
        ),
      )
      .limit(PRUNE_BATCH);
    const deleted = await deps.db
      .delete(events)
      .where(inArray(events.id, expired))
      .returning({ id: events.id });
    pruned += deleted.length;
    if (deleted.length < PRUNE_BATCH) break;
  }
  return pruned;
}
