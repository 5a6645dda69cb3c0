import { and, count, eq, inArray, isNull, lt, lte, type SQL, sql } from "drizzle-orm";
import { notifications, tickets, users } from "../../db/schema.ts";
import type { Deps } from "../../deps.ts";
import type { Actor } from "../../lib/actor.ts";
import { NotFoundError } from "../../lib/errors.ts";
import { invalidCursor } from "../../lib/keyset.ts";
import { cursorValues, pageOf } from "../../lib/list.ts";
import { readableNotifications, selectNotifications, toNotification, unreadCounts } from "./queries.ts";
import type { Notification, NotificationListQuery } from "./schemas.ts";

/** The caller's notifications they may still see: the scope of every inbox read and write. */
function inboxOf(actor: Pick<Actor, "userId">): SQL {
  return and(eq(notifications.recipientId, actor.userId), readableNotifications()) as SQL;
}

/**
 * GET /v1/notifications: newest activity first, keyset over seq (notifications_recipient_seq_idx,
 * or notifications_unread_idx with `unread=true`).
 */
export async function listNotifications(deps: Pick<Deps, "db">, actor: Actor, query: NotificationListQuery) {
  const filters = and(
    inboxOf(actor),
    query.unread ? isNull(notifications.readAt) : undefined,
    query.kind ? eq(notifications.kind, query.kind) : undefined,
  );
  const after = query.cursor ? lt(notifications.seq, seqFromCursor(query.cursor)) : undefined;
  const rows = await selectNotifications(deps.db)
    .where(and(filters, after))
    .orderBy(sql`${notifications.seq} desc nulls last`)
    .limit(query.limit + 1);
  const { page, nextCursor } = pageOf(rows, query.limit, (record) => [record.row.seq]);
  const data = page.map(toNotification);
  if (!query.count) return { data, nextCursor };
  const [total] = await countInbox(deps, filters);
  return { data, nextCursor, total: total?.value ?? 0 };
}

export async function unreadCount(deps: Pick<Deps, "db">, actor: Actor): Promise<number> {
  return (await unreadCounts(deps.db, [actor.userId])).get(actor.userId) ?? 0;
}

/**
 * Marks one read or unread. Unread again, it leaves its fold (it never folds more), so the unique
 * index over unread folds cannot refuse it.
 */
export async function markNotification(
  deps: Pick<Deps, "db">,
  actor: Actor,
  id: string,
  read: boolean,
): Promise<Notification> {
  return deps.db.transaction(async (tx) => {
    const [current] = await selectNotifications(tx)
      .where(and(eq(notifications.id, id), inboxOf(actor)))
      .for("update", { of: notifications });
    if (!current) throw new NotFoundError("No such notification.", "notification_not_found");
    const set = read ? { readAt: current.row.readAt ?? sql`now()` } : { readAt: null, foldKey: null };
    await tx.update(notifications).set(set).where(eq(notifications.id, id));
    const [updated] = await selectNotifications(tx).where(eq(notifications.id, id));
    return toNotification(updated ?? current);
  });
}

/**
 * Marks read every unread notification up to `upToSeq`: one arriving (or folding, which moves it
 * to a new seq) after the client looked has a larger seq and stays unread.
 */
export async function markAllRead(deps: Pick<Deps, "db">, actor: Actor, upToSeq: number) {
  const mine = deps.db
    .select({ id: notifications.id })
    .from(notifications)
    .innerJoin(tickets, eq(tickets.id, notifications.ticketId))
    .innerJoin(users, eq(users.id, notifications.recipientId))
    .where(and(inboxOf(actor), isNull(notifications.readAt), lte(notifications.seq, upToSeq)));
  const marked = await deps.db
    .update(notifications)
    .set({ readAt: sql`now()` })
    .where(and(inArray(notifications.id, mine), isNull(notifications.readAt)))
    .returning({ id: notifications.id });
  return { marked: marked.length, unread: await unreadCount(deps, actor) };
}

function countInbox(deps: Pick<Deps, "db">, filters: SQL | undefined) {
  return deps.db
    .select({ value: count() })
    .from(notifications)
    .innerJoin(tickets, eq(tickets.id, notifications.ticketId))
    .innerJoin(users, eq(users.id, notifications.recipientId))
    .where(filters);
}

function seqFromCursor(cursor: string): number {
  const [seq] = cursorValues(cursor, 1);
  if (typeof seq !== "number" || !Number.isSafeInteger(seq) || seq < 1) throw invalidCursor();
  return seq;
}
