import { sql } from "drizzle-orm";
import {
  check,
  index,
  integer,
  pgEnum,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  uuid,
} from "drizzle-orm/pg-core";
import { categories } from "./categories.ts";
import { auditedColumns } from "./columns.ts";
import { users } from "./users.ts";

export const availability = pgEnum("availability", ["available", "away", "offline"]);

export const developerProfiles = pgTable(
  "developer_profiles",
  {
    userId: uuid("user_id")
      .primaryKey()
      .references(() => users.id, { onDelete: "cascade" }),
    capacity: integer("capacity").notNull().default(5),
    availability: availability("availability").notNull().default("available"),
    timezone: text("timezone").notNull().default("UTC"),
    /** The deterministic tie-break of suggestions: least recently assigned first. */
    lastAssignedAt: timestamp("last_assigned_at", { withTimezone: true }),
    ...auditedColumns(),
  },
  (table) => [check("developer_profiles_capacity_check", sql`${table.capacity} between 0 and 1000`)],
);

export const developerSkills = pgTable(
  "developer_skills",
  {
    userId: uuid("user_id")
      .notNull()
      .references(() => developerProfiles.userId, { onDelete: "cascade" }),
    categoryId: uuid("category_id")
      .notNull()
      .references(() => categories.id, { onDelete: "cascade" }),
    level: smallint("level").notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.userId, table.categoryId] }),
    index("developer_skills_category_id_idx").on(table.categoryId),
    check("developer_skills_level_check", sql`${table.level} between 1 and 5`),
  ],
);
