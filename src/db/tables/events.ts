import { sql } from "drizzle-orm";
import { bigint, index, jsonb, pgEnum, pgTable, timestamp, uuid } from "drizzle-orm/pg-core";
import { commentVisibility } from "./comments.ts";

export const eventType = pgEnum("event_type", [
  "ticket.created",
  "ticket.updated",
  "ticket.status_changed",
  "ticket.assigned",
  "ticket.unassigned",
  "ticket.deleted",
  "ticket.restored",
  "comment.created",
  "comment.updated",
  "comment.deleted",
  "notification.created",
  "attachment.added",
  "attachment.deleted",
]);

/**
 * The transactional outbox of live events. Rows are written in the transaction of the change
 * (see src/features/events/record.ts) under a transaction-scoped advisory lock, so ids increase
 * in commit order and a resume from `Last-Event-ID` can never skip a late-committing event.
 * Who may see an event is decided from the snapshot kept on the row: the ticket's team, reporter
 * and assignee at the time, and whether the event is internal.
 */
export const events = pgTable(
  "events",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    type: eventType("type").notNull(),
    ticketId: uuid("ticket_id").notNull(),
    teamId: uuid("team_id"),
    reporterId: uuid("reporter_id").notNull(),
    assigneeId: uuid("assignee_id"),
    /** Set on events for one user only (`notification.created`): nobody else receives them. */
    recipientId: uuid("recipient_id"),
    visibility: commentVisibility("visibility").notNull().default("public"),
    payload: jsonb("payload").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    /** Set once the event reached Redis pub/sub; the relay publishes the rest. */
    publishedAt: timestamp("published_at", { withTimezone: true }),
  },
  (table) => [
    index("events_unpublished_idx").on(table.id).where(sql`${table.publishedAt} is null`),
    index("events_ticket_idx").on(table.ticketId, table.id),
    index("events_team_idx").on(table.teamId, table.id),
    index("events_created_idx").on(table.createdAt),
    index("events_recipient_idx")
      .on(table.recipientId, table.id)
      .where(sql`${table.recipientId} is not null`),
  ],
);

export const eventTypes = eventType.enumValues;
export type EventType = (typeof eventTypes)[number];
