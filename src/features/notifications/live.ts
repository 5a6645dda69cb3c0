import { inArray } from "drizzle-orm";
import type { Database } from "../../db/database.ts";
import { events, notifications } from "../../db/schema.ts";
import { lockEventOrder } from "../events/record.ts";
import { selectNotifications, toNotification, unreadCounts } from "./queries.ts";

type Tx = Pick<Database, "select" | "insert" | "execute">;

/**
 * One `notification.created` event per notification written (or folded), for its recipient only:
 * `recipient_id` set, and `reporter_id` is the recipient too, so even a reader that ignored the
 * recipient column would hand it to no one else. The payload carries the notification and the
 * recipient's new unread count (by the inbox's own rule), for a badge without polling. Two reads
 * and one insert, whatever the number of recipients. Returns the event ids.
 */
export async function recordNotificationEvents(
  tx: Tx,
  notificationIds: readonly string[],
): Promise<number[]> {
  if (notificationIds.length === 0) return [];
  const records = await selectNotifications(tx).where(inArray(notifications.id, [...notificationIds]));
  if (records.length === 0) return [];
  const counts = await unreadCounts(
    tx,
    records.map((record) => record.row.recipientId),
  );
  await lockEventOrder(tx);
  const rows = await tx
    .insert(events)
    .values(
      records.map((record) => ({
        type: "notification.created" as const,
        ticketId: record.row.ticketId,
        teamId: null,
        reporterId: record.row.recipientId,
        assigneeId: null,
        recipientId: record.row.recipientId,
        visibility: "public" as const,
        payload: {
          notification: toNotification(record),
          unreadCount: counts.get(record.row.recipientId) ?? 0,
        },
      })),
    )
    .returning({ id: events.id });
  return rows.map((row) => row.id);
}
