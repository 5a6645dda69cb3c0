import { index, pgEnum, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { auditedColumns } from "./columns.ts";
import { tickets } from "./tickets.ts";
import { users } from "./users.ts";

export const commentVisibility = pgEnum("comment_visibility", ["public", "internal"]);

export const ticketComments = pgTable(
  "ticket_comments",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    ticketId: uuid("ticket_id")
      .notNull()
      .references(() => tickets.id, { onDelete: "cascade" }),
    authorId: uuid("author_id")
      .notNull()
      .references(() => users.id, { onDelete: "restrict" }),
    body: text("body").notNull(),
    visibility: commentVisibility("visibility").notNull().default("public"),
    ...auditedColumns(),
    deletedAt: timestamp("deleted_at", { withTimezone: true }),
  },
  (table) => [index("ticket_comments_ticket_created_idx").on(table.ticketId, table.createdAt, table.id)],
);
