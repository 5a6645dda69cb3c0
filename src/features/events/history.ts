import { and, asc, count, gt, max } from "drizzle-orm";
import type { Auth } from "../../app-env.ts";
import type { Database } from "../../db/database.ts";
import { events } from "../../db/schema.ts";
import type { Deps } from "../../deps.ts";
import { BadRequestError } from "../../lib/errors.ts";
import { cursorValues, pageOf } from "../../lib/list.ts";
import { type EventEnvelope, toEnvelope } from "./channels.ts";
import type { EventHistoryQuery } from "./schemas.ts";
import { type EventFilters, filterConditions, type Viewer, viewerOf, visibleEvents } from "./visibility.ts";

type Reader = Pick<Database, "select">;

/**
 * Events after `afterId` that the viewer may see, in id order (commit order). Served by the
 * primary key, or by events_team_idx / events_ticket_idx (both end with id) when filtered.
 */
export async function eventsAfter(
  db: Reader,
  viewer: Viewer,
  filters: EventFilters,
  afterId: number,
  limit: number,
): Promise<EventEnvelope[]> {
  const rows = await db
    .select()
    .from(events)
    .where(and(gt(events.id, afterId), visibleEvents(viewer), ...filterConditions(filters)))
    .orderBy(asc(events.id))
    .limit(limit);
  return rows.map(toEnvelope);
}

/** The newest event id (0 with none): where a stream without Last-Event-ID starts. */
export async function latestEventId(db: Reader): Promise<number> {
  const [row] = await db.select({ id: max(events.id) }).from(events);
  return Number(row?.id ?? 0);
}

/**
 * GET /v1/events/history: the stream's events as a list, oldest first, for clients that poll.
 * `after` starts after a known id (and bounds `total`); `cursor` continues a previous page.
 */
export async function listEventHistory(deps: Pick<Deps, "db">, auth: Auth, query: EventHistoryQuery) {
  if (query.cursor !== undefined && query.after !== undefined)
    throw new BadRequestError("Send either `cursor` or `after`, not both.", "cursor_with_after");
  const viewer = await viewerOf(deps.db, auth);
  const filters = { teamId: query.teamId, ticketId: query.ticketId };
  const afterId = query.cursor === undefined ? (query.after ?? 0) : cursorId(query.cursor);
  const rows = await eventsAfter(deps.db, viewer, filters, afterId, query.limit + 1);
  const { page, nextCursor } = pageOf(rows, query.limit, (event) => [event.id]);
  if (!query.count) return { data: page, nextCursor };
  const [total] = await deps.db
    .select({ value: count() })
    .from(events)
    .where(and(gt(events.id, query.after ?? 0), visibleEvents(viewer), ...filterConditions(filters)));
  return { data: page, nextCursor, total: total?.value ?? 0 };
}

function cursorId(cursor: string): number {
  const [id] = cursorValues(cursor, 1);
  if (typeof id !== "number" || !Number.isSafeInteger(id) || id < 0)
    throw new BadRequestError("The cursor is not valid for this list.", "invalid_cursor");
  return id;
}
