import { bigint, index, jsonb, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { userRole } from "./users.ts";

/**
 * Append-only: a trigger (migration 0002) refuses UPDATE, DELETE and TRUNCATE, so neither the API
 * nor a mistaken query can rewrite history. No foreign keys: the log outlives what it describes.
 */
export const auditLog = pgTable(
  "audit_log",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    actorId: uuid("actor_id"),
    actorRole: userRole("actor_role"),
    action: text("action").notNull(),
    entityType: text("entity_type").notNull(),
    entityId: text("entity_id").notNull(),
    before: jsonb("before"),
    after: jsonb("after"),
    requestId: text("request_id"),
    ip: text("ip"),
    userAgent: text("user_agent"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    index("audit_log_created_idx").on(table.createdAt.desc(), table.id.desc()),
    index("audit_log_entity_idx").on(table.entityType, table.entityId, table.createdAt.desc()),
    index("audit_log_actor_idx").on(table.actorId, table.createdAt.desc()),
    index("audit_log_action_idx").on(table.action, table.createdAt.desc()),
  ],
);
