import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { auditedColumns } from "./columns.ts";
import { eventType } from "./events.ts";
import { teams } from "./teams.ts";
import { users } from "./users.ts";

/**
 * Where events are POSTed. `teamId` narrows the endpoint to one team's events; an endpoint made
 * by a manager always has one (a team they lead) and stops receiving when they no longer lead it.
 * The signing secret is kept as given (`whsec_…`): HMAC needs it, a hash would not do. During a
 * rotation the previous secret signs too, until `previousSecretExpiresAt`.
 */
export const webhookEndpoints = pgTable(
  "webhook_endpoints",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    url: text("url").notNull(),
    description: text("description").notNull().default(""),
    /** null: every event type of the catalogue, present and future. */
    eventTypes: eventType("event_types").array(),
    teamId: uuid("team_id").references(() => teams.id, { onDelete: "cascade" }),
    /** The manager who made it; null for endpoints made by admins (the organisation's). */
    managerId: uuid("manager_id").references(() => users.id, { onDelete: "cascade" }),
    enabled: boolean("enabled").notNull().default(true),
    includeInternal: boolean("include_internal").notNull().default(false),
    secret: text("secret").notNull(),
    previousSecret: text("previous_secret"),
    previousSecretExpiresAt: timestamp("previous_secret_expires_at", { withTimezone: true }),
    /** Why the server disabled it (410 Gone, failing for days); cleared when re-enabled. */
    disabledReason: text("disabled_reason"),
    /** The first failed attempt since the last success. */
    failingSince: timestamp("failing_since", { withTimezone: true }),
    ...auditedColumns(),
  },
  (table) => [
    index("webhook_endpoints_created_idx").on(table.createdAt.desc(), table.id.desc()),
    index("webhook_endpoints_team_idx").on(table.teamId),
  ],
);

export const webhookDeliveryStatus = pgEnum("webhook_delivery_status", ["pending", "succeeded", "failed"]);

/**
 * One message to one endpoint: an event, or a test ping (`eventId` null). The body is frozen when
 * the delivery is made, so retries and redeliveries send the same bytes under the same
 * `webhook-id`. `attempts` counts every try, redeliveries included.
 */
export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    endpointId: uuid("endpoint_id")
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: "cascade" }),
    eventId: bigint("event_id", { mode: "number" }),
    messageId: text("message_id").notNull(),
    eventType: text("event_type").notNull(),
    payload: jsonb("payload").notNull(),
    status: webhookDeliveryStatus("status").notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    lastStatusCode: integer("last_status_code"),
    lastError: text("last_error"),
    lastAttemptAt: timestamp("last_attempt_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    index("webhook_deliveries_endpoint_idx").on(table.endpointId, table.createdAt.desc(), table.id.desc()),
    // At least once, but one delivery per event and endpoint: a repeated fan-out adds nothing.
    uniqueIndex("webhook_deliveries_event_key")
      .on(table.endpointId, table.eventId)
      .where(sql`${table.eventId} is not null`),
    index("webhook_deliveries_pending_idx").on(table.createdAt).where(sql`${table.status} = 'pending'`),
    index("webhook_deliveries_created_idx").on(table.createdAt),
  ],
);

/** Every HTTP attempt of a delivery: the delivery log. */
export const webhookAttempts = pgTable(
  "webhook_attempts",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    deliveryId: uuid("delivery_id")
      .notNull()
      .references(() => webhookDeliveries.id, { onDelete: "cascade" }),
    attemptedAt: timestamp("attempted_at", { withTimezone: true }).notNull().defaultNow(),
    statusCode: integer("status_code"),
    latencyMs: integer("latency_ms").notNull(),
    error: text("error"),
    /** The first 1 KiB of the answer (UTF-8, cut at a character boundary). */
    responseBody: text("response_body"),
  },
  (table) => [index("webhook_attempts_delivery_idx").on(table.deliveryId, table.id)],
);

/**
 * Fan-out progress: the id of the last outbox event turned into deliveries. Event ids increase
 * in commit order (src/features/events/record.ts), so one watermark, advanced in the same
 * transaction as the deliveries it covers, marks every event before it done, atomically.
 */
export const webhookFanout = pgTable("webhook_fanout", {
  id: integer("id").primaryKey().default(1),
  lastEventId: bigint("last_event_id", { mode: "number" }).notNull().default(0),
});
