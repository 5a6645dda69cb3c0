import { and, eq, inArray, isNull, lt, type SQL, sql } from "drizzle-orm";
import type { Database } from "../../db/database.ts";
import {
  type NotificationKind,
  notificationPreferences,
  notifications,
  ticketWatchers,
  users,
} from "../../db/schema.ts";
import { type TicketAudience, userSeesTicket } from "./audience.ts";
import { recordNotificationEvents } from "./live.ts";
import { type MailDeps, mailNotifications } from "./mail.ts";

type Tx = Pick<Database, "select" | "insert" | "update" | "execute">;

/** Changes of one group on one ticket within this many minutes fold into one unread notification. */
export const FOLD_WINDOW_MINUTES = 10;
const FOLDING: ReadonlySet<NotificationKind> = new Set([
  "commented",
  "mentioned",
  "status_changed",
  "priority_changed",
]);

export interface TicketChange {
  ticket: TicketAudience & { id: string };
  kind: NotificationKind;
  /** Never notified of their own action; null for the maintenance sweep. */
  actorId: string | null;
  /** Candidates: user ids, or a subquery of them (the ticket's watchers). Visibility is applied here. */
  to: readonly string[] | SQL;
  visibility?: "public" | "internal";
  commentId?: string | null;
  data?: Record<string, unknown>;
}

/** The ticket's watchers as a subquery, optionally leaving some out (they get another kind). */
export function watchersOf(ticketId: string, except: readonly string[] = []): SQL {
  const others = except.length > 0 ? sql` and ${ticketWatchers.userId} not in ${except}` : sql``;
  return sql`(select ${ticketWatchers.userId} from ${ticketWatchers} where ${ticketWatchers.ticketId} = ${ticketId}${others})`;
}

/**
 * Writes the notifications of a change inside its transaction, one set-based statement per kind
 * whatever the number of recipients, then one `notification.created` event per recipient (one
 * more insert). Recipients are filtered here, at write time, by userSeesTicket: nobody hears of a
 * ticket or comment they may not see. Call it after the change's own recordEvent (it ends with
 * an event insert). Returns the event ids to publish after commit.
 */
export async function notify(
  deps: MailDeps,
  tx: Tx,
  changes: readonly TicketChange[],
): Promise<{ eventIds: number[]; mailQueued: boolean }> {
  const written = await writeNotifications(deps, tx, changes);
  return { eventIds: await recordNotificationEvents(tx, written.ids), mailQueued: written.mailQueued };
}

export interface WrittenNotifications {
  /** Every notification written or folded: their events go after the change's own. */
  ids: string[];
  /** Whether a `mail.send` job was queued: the verb then calls sendQueuedMail(deps) after commit. */
  mailQueued: boolean;
}

/**
 * The first half of notify, for a verb whose own event must carry what it learned (mentions).
 * A recipient whose preference for the kind is `email` is also mailed, in this transaction, once
 * per NEW notification: a change folded into an unread one sends nothing more.
 */
export async function writeNotifications(
  deps: MailDeps,
  tx: Tx,
  changes: readonly TicketChange[],
): Promise<WrittenNotifications> {
  const ids: string[] = [];
  const toMail: string[] = [];
  for (const change of changes) {
    for (const row of await upsertNotifications(tx, change)) {
      ids.push(row.id);
      if (row.email && row.inserted) toMail.push(row.id);
    }
  }
  return { ids, mailQueued: await mailNotifications(deps, tx, toMail) };
}

async function upsertNotifications(
  tx: Tx,
  change: TicketChange,
): Promise<{ id: string; email: boolean; inserted: boolean }[]> {
  const candidates = Array.isArray(change.to) ? (change.to as readonly string[]) : null;
  if (candidates?.length === 0) return [];
  const visibility = change.visibility ?? "public";
  const foldKey = FOLDING.has(change.kind) ? `${change.kind}:${visibility}` : null;
  if (foldKey) await closeStaleFolds(tx, change.ticket.id, foldKey);
  const preference = sql`(select ${notificationPreferences.channel} from ${notificationPreferences}
    where ${notificationPreferences.userId} = ${users.id} and ${notificationPreferences.kind} = ${change.kind})`;
  const selected = tx
    // insert … select takes every column, in the table's order.
    .select({
      id: sql`gen_random_uuid()`.as("id"),
      seq: sql`nextval('notification_seq')`.as("seq"),
      recipientId: users.id,
      ticketId: sql`${change.ticket.id}::uuid`.as("ticket_id"),
      kind: sql`${change.kind}::notification_kind`.as("kind"),
      visibility: sql`${visibility}::comment_visibility`.as("visibility"),
      actorId: sql`${change.actorId}::uuid`.as("actor_id"),
      commentId: sql`${change.commentId ?? null}::uuid`.as("comment_id"),
      data: sql`${JSON.stringify(change.data ?? {})}::jsonb`.as("data"),
      count: sql`1`.as("count"),
      foldKey: sql`${foldKey}::text`.as("fold_key"),
      createdAt: sql`now()`.as("created_at"),
      updatedAt: sql`now()`.as("updated_at"),
      readAt: sql`null::timestamptz`.as("read_at"),
    })
    .from(users)
    .where(
      and(
        candidates ? inArray(users.id, [...candidates]) : sql`${users.id} in ${change.to as SQL}`,
        change.actorId ? sql`${users.id} <> ${change.actorId}` : undefined,
        userSeesTicket(change.ticket, visibility),
        sql`coalesce(${preference}, 'in_app') <> 'off'`,
      ),
    )
    // Every writer upserts recipients in the same order, so two folding into the same rows wait
    // for each other instead of deadlocking.
    .orderBy(users.id);
  // A fold takes a new seq: the inbox orders by latest activity, and "read up to seq" keeps it unread.
  const rows = await tx
    .insert(notifications)
    .select(selected)
    .onConflictDoUpdate({
      target: [notifications.ticketId, notifications.foldKey, notifications.recipientId],
      targetWhere: sql`${notifications.readAt} is null and ${notifications.foldKey} is not null`,
      set: {
        count: sql`${notifications.count} + 1`,
        actorId: sql`excluded.actor_id`,
        commentId: sql`excluded.comment_id`,
        data: sql`excluded.data`,
        updatedAt: sql`now()`,
        seq: sql`nextval('notification_seq')`,
      },
    })
    .returning({
      id: notifications.id,
      // The preference as this statement saw it. Spelled out qualified: Drizzle renders columns in
      // RETURNING unqualified, and `kind` would then name the subquery's own column.
      email: sql<boolean>`coalesce((select p.channel = 'email' from ${notificationPreferences} p
        where p.user_id = "notifications"."recipient_id" and p.kind = "notifications"."kind"), false)`,
      // xmax is 0 on a row this statement inserted, the updating transaction's id on a fold.
      inserted: sql<boolean>`(${notifications}.xmax = 0)`,
    });
  return rows;
}

/** An unread fold older than the window stops folding: the next change starts a new notification. */
async function closeStaleFolds(tx: Tx, ticketId: string, foldKey: string) {
  await tx
    .update(notifications)
    .set({ foldKey: null })
    .where(
      and(
        eq(notifications.ticketId, ticketId),
        eq(notifications.foldKey, foldKey),
        isNull(notifications.readAt),
        lt(notifications.createdAt, sql`now() - make_interval(mins => ${FOLD_WINDOW_MINUTES}::int)`),
      ),
    );
}
