import { bigint, index, jsonb, pgEnum, pgTable, timestamp, uuid } from "drizzle-orm/pg-core";
import { tickets } from "./tickets.ts";
import { users } from "./users.ts";

export const assignmentStrategy = pgEnum("assignment_strategy", ["manual", "self", "auto", "unassign"]);

/** Every assignment change, with the score breakdown that justified an automatic one. */
export const assignmentHistory = pgTable(
  "assignment_history",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    ticketId: uuid("ticket_id")
      .notNull()
      .references(() => tickets.id, { onDelete: "cascade" }),
    assigneeId: uuid("assignee_id").references(() => users.id, { onDelete: "set null" }),
    previousAssigneeId: uuid("previous_assignee_id").references(() => users.id, { onDelete: "set null" }),
    actorId: uuid("actor_id").references(() => users.id, { onDelete: "set null" }),
    strategy: assignmentStrategy("strategy").notNull(),
    score: jsonb("score"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index("assignment_history_ticket_idx").on(table.ticketId, table.createdAt, table.id)],
);
