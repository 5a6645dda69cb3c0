import { type SQL, sql } from "drizzle-orm";
import { bigint, customType, index, pgEnum, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { categories } from "./categories.ts";
import { auditedColumns } from "./columns.ts";
import { teams } from "./teams.ts";
import { timestamptz } from "./timestamptz.ts";
import { users } from "./users.ts";

export const ticketStatus = pgEnum("ticket_status", ["open", "in_progress", "blocked", "resolved", "closed"]);
// Declaration order is the sort order: priority sorts low < medium < high < urgent.
export const ticketPriority = pgEnum("ticket_priority", ["low", "medium", "high", "urgent"]);

const tsvector = customType<{ data: string }>({ dataType: () => "tsvector" });

export const tickets = pgTable(
  "tickets",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** Sequential, shown as the human key TIX-<number>. */
    number: bigint("number", { mode: "number" }).notNull().unique().generatedAlwaysAsIdentity(),
    title: text("title").notNull(),
    description: text("description").notNull().default(""),
    status: ticketStatus("status").notNull().default("open"),
    priority: ticketPriority("priority").notNull().default("medium"),
    categoryId: uuid("category_id").references(() => categories.id, { onDelete: "set null" }),
    teamId: uuid("team_id").references(() => teams.id, { onDelete: "restrict" }),
    reporterId: uuid("reporter_id")
      .notNull()
      .references(() => users.id, { onDelete: "restrict" }),
    assigneeId: uuid("assignee_id").references(() => users.id, { onDelete: "set null" }),
    tags: text("tags").array().notNull().default(sql`'{}'::text[]`),
    dueAt: timestamptz("due_at"),
    firstResponseDueAt: timestamptz("first_response_due_at"),
    resolutionDueAt: timestamptz("resolution_due_at"),
    firstRespondedAt: timestamp("first_responded_at", { withTimezone: true }),
    resolvedAt: timestamp("resolved_at", { withTimezone: true }),
    closedAt: timestamp("closed_at", { withTimezone: true }),
    ...auditedColumns(),
    deletedAt: timestamp("deleted_at", { withTimezone: true }),
    search: tsvector("search")
      .notNull()
      .generatedAlwaysAs(
        (): SQL =>
          sql`setweight(to_tsvector('english', ${tickets.title}), 'A') || setweight(to_tsvector('english', ${tickets.description}), 'B')`,
      ),
  },
  (table) => {
    const live = sql`${table.deletedAt} is null`;
    return [
      index("tickets_created_idx").on(table.createdAt.desc(), table.id.desc()).where(live),
      index("tickets_updated_idx").on(table.updatedAt.desc(), table.id.desc()).where(live),
      index("tickets_due_idx").on(table.dueAt, table.id).where(live),
      index("tickets_priority_idx").on(table.priority, table.createdAt, table.id).where(live),
      index("tickets_team_created_idx").on(table.teamId, table.createdAt.desc(), table.id.desc()).where(live),
      index("tickets_status_created_idx")
        .on(table.status, table.createdAt.desc(), table.id.desc())
        .where(live),
      index("tickets_reporter_created_idx")
        .on(table.reporterId, table.createdAt.desc(), table.id.desc())
        .where(live),
      index("tickets_assignee_status_idx").on(table.assigneeId, table.status).where(live),
      index("tickets_category_idx").on(table.categoryId).where(live),
      index("tickets_tags_idx").using("gin", table.tags),
      index("tickets_search_idx").using("gin", table.search),
    ];
  },
);
