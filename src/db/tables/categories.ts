import { sql } from "drizzle-orm";
import { type AnyPgColumn, index, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { auditedColumns } from "./columns.ts";
import { teams } from "./teams.ts";

export const categories = pgTable(
  "categories",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    parentId: uuid("parent_id").references((): AnyPgColumn => categories.id, { onDelete: "restrict" }),
    defaultTeamId: uuid("default_team_id").references(() => teams.id, { onDelete: "set null" }),
    ...auditedColumns(),
  },
  (table) => [
    uniqueIndex("categories_name_lower_key").on(sql`lower(${table.name})`),
    index("categories_parent_id_idx").on(table.parentId),
    index("categories_created_at_id_idx").on(table.createdAt.desc(), table.id.desc()),
  ],
);
