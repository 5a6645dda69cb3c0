import { and, asc, eq, type SQL, sql } from "drizzle-orm";
import type { Database } from "../../db/database.ts";
import { tickets, ticketWatchers, users } from "../../db/schema.ts";
import type { Deps } from "../../deps.ts";
import type { Actor } from "../../lib/actor.ts";
import { invalidCursor, isPgTimestamp, isUuid } from "../../lib/keyset.ts";
import { cursorValues, pageOf } from "../../lib/list.ts";
import { loadVisibleTicket, type TicketRow } from "../tickets/access.ts";
import { userSeesTicket } from "./audience.ts";

type Writer = Pick<Database, "insert">;

/** Makes these users watch the ticket (reporter, assignee, commenters, the mentioned); one insert. */
export async function addWatchers(tx: Writer, ticketId: string, userIds: readonly (string | null)[]) {
  const distinct = [...new Set(userIds.filter((id): id is string => id !== null))];
  if (distinct.length === 0) return;
  await tx
    .insert(ticketWatchers)
    .values(distinct.map((userId) => ({ ticketId, userId })))
    .onConflictDoNothing();
}

/**
 * PUT /v1/tickets/{id}/watchers/me: anyone who can see the ticket; idempotent. The ticket row is
 * locked (KEY SHARE) before the insert: otherwise the insert's foreign-key check would wait for a
 * PATCH or assignment holding the row while holding the watcher key that one is about to insert
 * too (the assignee watches), a deadlock.
 */
export async function watch(deps: Pick<Deps, "db">, actor: Actor, ticketId: string) {
  await deps.db.transaction(async (tx) => {
    await loadVisibleTicket(tx, actor, ticketId);
    await tx.select({ id: tickets.id }).from(tickets).where(eq(tickets.id, ticketId)).for("key share");
    await addWatchers(tx, ticketId, [actor.userId]);
  });
  return { watching: true };
}

/** DELETE /v1/tickets/{id}/watchers/me; idempotent. Commenting or a mention later watches again. */
export async function unwatch(deps: Pick<Deps, "db">, actor: Actor, ticketId: string) {
  await loadVisibleTicket(deps.db, actor, ticketId);
  await deps.db
    .delete(ticketWatchers)
    .where(and(eq(ticketWatchers.ticketId, ticketId), eq(ticketWatchers.userId, actor.userId)));
  return { watching: false };
}

/**
 * GET /v1/tickets/{id}/watchers (staff): those who watch it AND can still see it, oldest first,
 * keyset over (created_at, user_id) on the primary key's ticket prefix.
 */
export async function listWatchers(
  deps: Pick<Deps, "db">,
  actor: Actor,
  ticketId: string,
  query: { limit: number; cursor?: string | undefined; count?: boolean | undefined },
) {
  const ticket = await loadVisibleTicket(deps.db, actor, ticketId);
  const scope = and(eq(ticketWatchers.ticketId, ticketId), stillSees(ticket));
  const after = query.cursor ? afterCursor(query.cursor) : undefined;
  const rows = await deps.db
    .select({
      userId: ticketWatchers.userId,
      name: users.name,
      since: ticketWatchers.createdAt,
      cursorAt: sql<string>`${ticketWatchers.createdAt}::text`,
    })
    .from(ticketWatchers)
    .innerJoin(users, eq(users.id, ticketWatchers.userId))
    .where(and(scope, after))
    .orderBy(asc(ticketWatchers.createdAt), asc(ticketWatchers.userId))
    .limit(query.limit + 1);
  const { page, nextCursor } = pageOf(rows, query.limit, (row) => [row.cursorAt, row.userId]);
  const data = page.map((row) => ({ userId: row.userId, name: row.name, since: row.since.toISOString() }));
  if (!query.count) return { data, nextCursor };
  const [total] = await deps.db
    .select({ value: sql<number>`count(*)::int` })
    .from(ticketWatchers)
    .innerJoin(users, eq(users.id, ticketWatchers.userId))
    .where(scope);
  return { data, nextCursor, total: total?.value ?? 0 };
}

/** Watchers who can no longer see the ticket are not listed (and are told nothing). */
function stillSees(ticket: TicketRow): SQL {
  return userSeesTicket(ticket);
}

function afterCursor(cursor: string): SQL {
  const [at, userId] = cursorValues(cursor, 2);
  if (!isPgTimestamp(at) || typeof userId !== "string" || !isUuid(userId)) throw invalidCursor();
  return sql`(${ticketWatchers.createdAt}, ${ticketWatchers.userId}) > (${at}::timestamptz, ${userId}::uuid)`;
}
