import { and, count, eq, inArray, isNull, type SQL } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Database } from "../../db/database.ts";
import { notifications, tickets, users } from "../../db/schema.ts";
import { ticketKey } from "../tickets/access.ts";
import { userSeesTicket } from "./audience.ts";
import type { Notification } from "./schemas.ts";

type Reader = Pick<Database, "select">;
const actors = alias(users, "actor");

/**
 * What the recipient may still see: the rule of the write, applied again at read time (a watcher
 * who left the team, a developer made reporter), and nothing of a deleted ticket. The recipient
 * is the joined `users` row, so one condition serves one inbox and many at once.
 */
export function readableNotifications(): SQL {
  return and(
    isNull(tickets.deletedAt),
    userSeesTicket(
      { teamId: tickets.teamId, reporterId: tickets.reporterId, assigneeId: tickets.assigneeId },
      notifications.visibility,
    ),
  ) as SQL;
}

/** Notifications with what their presentation needs (ticket key and title, actor name), one query. */
export function selectNotifications(db: Reader) {
  return db
    .select({
      row: notifications,
      ticketNumber: tickets.number,
      ticketTitle: tickets.title,
      actorName: actors.name,
    })
    .from(notifications)
    .innerJoin(tickets, eq(tickets.id, notifications.ticketId))
    .innerJoin(users, eq(users.id, notifications.recipientId))
    .leftJoin(actors, eq(actors.id, notifications.actorId));
}

export type NotificationRecord = Awaited<
  ReturnType<ReturnType<typeof selectNotifications>["execute"]>
>[number];

/** Unread notifications each recipient may see: the badge, by the inbox's own rule. */
export async function unreadCounts(
  db: Reader,
  recipientIds: readonly string[],
): Promise<Map<string, number>> {
  if (recipientIds.length === 0) return new Map();
  const rows = await db
    .select({ recipientId: notifications.recipientId, unread: count() })
    .from(notifications)
    .innerJoin(tickets, eq(tickets.id, notifications.ticketId))
    .innerJoin(users, eq(users.id, notifications.recipientId))
    .where(
      and(
        inArray(notifications.recipientId, [...recipientIds]),
        isNull(notifications.readAt),
        readableNotifications(),
      ),
    )
    .groupBy(notifications.recipientId);
  return new Map(rows.map((row) => [row.recipientId, row.unread]));
}

export function toNotification(record: NotificationRecord): Notification {
  const { row } = record;
  return {
    id: row.id,
    seq: row.seq,
    kind: row.kind,
    ticket: { id: row.ticketId, key: ticketKey(record.ticketNumber), title: record.ticketTitle },
    actor: row.actorId && record.actorName !== null ? { id: row.actorId, name: record.actorName } : null,
    commentId: row.commentId,
    visibility: row.visibility,
    data: row.data as Record<string, unknown>,
    count: row.count,
    readAt: row.readAt ? row.readAt.toISOString() : null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
