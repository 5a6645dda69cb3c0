import { sql } from "drizzle-orm";
import {
  bigint,
  index,
  integer,
  jsonb,
  pgEnum,
  pgSequence,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { commentVisibility, ticketComments } from "./comments.ts";
import { tickets } from "./tickets.ts";
import { users } from "./users.ts";

/** Who follows a ticket: its reporter, assignee, commenters, the mentioned, and whoever chose to. */
export const ticketWatchers = pgTable(
  "ticket_watchers",
  {
    ticketId: uuid("ticket_id")
      .notNull()
      .references(() => tickets.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ columns: [table.ticketId, table.userId] }),
    index("ticket_watchers_user_idx").on(table.userId, table.ticketId),
  ],
);

/** Hands out `seq` to new notifications and to folds alike (see below). */
export const notificationSeq = pgSequence("notification_seq");

export const notificationKind = pgEnum("notification_kind", [
  "assigned",
  "unassigned",
  "mentioned",
  "commented",
  "status_changed",
  "priority_changed",
  "due_soon",
  "overdue",
  "resolved",
]);

/**
 * One row per recipient. A foldable change sets `fold_key` (kind group and visibility); while the
 * row is unread and young, later changes of that group fold into it (count, latest actor) through
 * the partial unique index below, which makes the fold race-safe (INSERT … ON CONFLICT). `seq`
 * moves forward on every fold, so the inbox is ordered by latest activity and "mark all read up
 * to seq N" never swallows a fold that arrived after the client looked.
 */
export const notifications = pgTable(
  "notifications",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    seq: bigint("seq", { mode: "number" }).notNull().default(sql`nextval('notification_seq')`),
    recipientId: uuid("recipient_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    ticketId: uuid("ticket_id")
      .notNull()
      .references(() => tickets.id, { onDelete: "cascade" }),
    kind: notificationKind("kind").notNull(),
    /** `internal` for what an internal comment caused: staff only, like the comment. */
    visibility: commentVisibility("visibility").notNull().default("public"),
    actorId: uuid("actor_id").references(() => users.id, { onDelete: "set null" }),
    commentId: uuid("comment_id").references(() => ticketComments.id, { onDelete: "set null" }),
    /** Kind-specific facts: `{from, to}` of a status or priority change, `{dueAt, field}` of a due date. */
    data: jsonb("data").notNull().default(sql`'{}'::jsonb`),
    count: integer("count").notNull().default(1),
    foldKey: text("fold_key"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    readAt: timestamp("read_at", { withTimezone: true }),
  },
  (table) => [
    uniqueIndex("notifications_seq_key").on(table.seq),
    index("notifications_recipient_seq_idx").on(table.recipientId, table.seq.desc()),
    index("notifications_unread_idx").on(table.recipientId, table.seq).where(sql`${table.readAt} is null`),
    uniqueIndex("notifications_fold_key")
      .on(table.ticketId, table.foldKey, table.recipientId)
      .where(sql`${table.readAt} is null and ${table.foldKey} is not null`),
    index("notifications_read_idx").on(table.readAt).where(sql`${table.readAt} is not null`),
  ],
);

export const notificationChannel = pgEnum("notification_channel", ["in_app", "email", "off"]);

/** A user's choice per kind; a kind without a row is `in_app`. */
export const notificationPreferences = pgTable(
  "notification_preferences",
  {
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    kind: notificationKind("kind").notNull(),
    channel: notificationChannel("channel").notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.userId, table.kind] })],
);

/**
 * Due-date reminders already sent: one per ticket, kind and due date, so the periodic sweep is
 * idempotent and a moved due date is reminded again.
 */
export const dueReminders = pgTable(
  "due_reminders",
  {
    ticketId: uuid("ticket_id")
      .notNull()
      .references(() => tickets.id, { onDelete: "cascade" }),
    kind: notificationKind("kind").notNull(),
    field: text("field").notNull(),
    dueAt: timestamp("due_at", { withTimezone: true }).notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.ticketId, table.kind, table.field, table.dueAt] })],
);

export const notificationKinds = notificationKind.enumValues;
export type NotificationKind = (typeof notificationKinds)[number];
