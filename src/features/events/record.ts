import { and, eq, inArray, sql } from "drizzle-orm";
import type { Database } from "../../db/database.ts";
import { rowsOf } from "../../db/rows.ts";
import { type EventType, events } from "../../db/schema.ts";

/** Any lock key would do; it only has to be the same for every writer of events. */
const EVENT_ORDER_LOCK = 7_415_062_001;

type Tx = Pick<Database, "insert" | "execute">;

export interface TicketSnapshot {
  id: string;
  teamId: string | null;
  reporterId: string;
  assigneeId: string | null;
}

export interface NewEvent {
  type: EventType;
  ticket: TicketSnapshot;
  /** `internal` for events of internal comments: never delivered to reporters. */
  visibility?: "public" | "internal";
  /** The changed resource as the API returns it. */
  payload: Record<string, unknown>;
}

/**
 * Writes a live event into the outbox inside the caller's transaction. Call it as the LAST write
 * of the transaction: it takes a transaction-scoped advisory lock, held until commit, so event
 * ids are handed out in commit order (identity values alone follow insert order, and a reader
 * resuming after a later-committed id would skip an earlier one still in flight). Returns the id.
 */
export async function recordEvent(tx: Tx, event: NewEvent): Promise<number> {
  // The lock and the insert in one statement: the lock is held until commit and serialises every
  // writer of events, so each round trip between taking it and committing costs all of them
  // (issue 15: the PATCH throughput of the API and of its raw-SQL ceiling both stopped there).
  // The CTE's row is produced before the insert takes its identity value, so ids follow the lock.
  const rows = await tx.execute<{ id: string | number }>(sql`
    with ordered as (select pg_advisory_xact_lock(${EVENT_ORDER_LOCK}))
    insert into ${events} (type, ticket_id, team_id, reporter_id, assignee_id, visibility, payload)
    select ${event.type}::event_type, ${event.ticket.id}::uuid, ${event.ticket.teamId}::uuid,
      ${event.ticket.reporterId}::uuid, ${event.ticket.assigneeId}::uuid,
      ${event.visibility ?? "public"}::comment_visibility, ${JSON.stringify(event.payload)}::jsonb
    from ordered
    returning id`);
  const [row] = rowsOf<{ id: string | number }>(rows);
  if (!row) throw new Error("the outbox insert returned nothing");
  return Number(row.id);
}

/** Every writer of events takes this lock right before its insert (see recordEvent). */
export async function lockEventOrder(tx: Pick<Database, "execute">): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${EVENT_ORDER_LOCK})`);
}

/**
 * Takes a deleted comment's body out of the outbox: its earlier events stay (who commented, when)
 * but no replay, history or late publish can serve the text again. Comments are never restored.
 */
export async function forgetCommentBody(tx: Pick<Database, "update">, ticketId: string, commentId: string) {
  await tx
    .update(events)
    .set({ payload: sql`${events.payload} - 'body'` })
    .where(
      and(
        eq(events.ticketId, ticketId),
        inArray(events.type, ["comment.created", "comment.updated"]),
        sql`${events.payload}->>'id' = ${commentId}`,
      ),
    );
}
