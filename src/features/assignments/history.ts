import { and, count, desc, eq, type SQL, sql } from "drizzle-orm";
import type { Database } from "../../db/database.ts";
import { assignmentHistory } from "../../db/schema.ts";
import { BadRequestError } from "../../lib/errors.ts";
import { isPgTimestamp } from "../../lib/keyset.ts";
import { cursorValues, pageOf } from "../../lib/list.ts";
import type { AssignmentEntry } from "./schemas.ts";

type Reader = Pick<Database, "select">;
export type HistoryRow = typeof assignmentHistory.$inferSelect;

/** Newest first, keyset over (created_at, id) on assignment_history_ticket_idx, read backwards. */
export async function listHistory(
  db: Reader,
  ticketId: string,
  query: { limit: number; cursor?: string | undefined; count?: boolean | undefined },
) {
  const scope = eq(assignmentHistory.ticketId, ticketId);
  let before: SQL | undefined;
  if (query.cursor) {
    const [at, id] = cursorValues(query.cursor, 2);
    // Only what `created_at::text` writes: Date.parse accepts values the ::timestamptz cast refuses.
    if (!isPgTimestamp(at) || typeof id !== "number" || !Number.isSafeInteger(id))
      throw new BadRequestError("The cursor is not valid for this list.", "invalid_cursor");
    before = sql`(${assignmentHistory.createdAt}, ${assignmentHistory.id}) < (${at}::timestamptz, ${id})`;
  }
  const rows = await db
    .select({
      entry: assignmentHistory,
      // Microsecond precision: a millisecond cursor would repeat entries of the same millisecond.
      cursorAt: sql<string>`${assignmentHistory.createdAt}::text`,
    })
    .from(assignmentHistory)
    .where(and(scope, before))
    .orderBy(desc(assignmentHistory.createdAt), desc(assignmentHistory.id))
    .limit(query.limit + 1);
  const { page, nextCursor } = pageOf(rows, query.limit, (row) => [row.cursorAt, row.entry.id]);
  const data = page.map((row) => toAssignmentEntry(row.entry));
  if (!query.count) return { data, nextCursor };
  const [total] = await db.select({ value: count() }).from(assignmentHistory).where(scope);
  return { data, nextCursor, total: total?.value ?? 0 };
}

export function toAssignmentEntry(row: HistoryRow): AssignmentEntry {
  return {
    id: row.id,
    ticketId: row.ticketId,
    assigneeId: row.assigneeId,
    previousAssigneeId: row.previousAssigneeId,
    actorId: row.actorId,
    strategy: row.strategy,
    score: (row.score ?? null) as AssignmentEntry["score"],
    createdAt: row.createdAt.toISOString(),
  };
}
