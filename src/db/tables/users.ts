import { sql } from "drizzle-orm";
import { index, pgEnum, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { auditedColumns } from "./columns.ts";

export const userRole = pgEnum("user_role", ["admin", "manager", "developer", "reporter"]);
export const userStatus = pgEnum("user_status", ["active", "disabled"]);

export const users = pgTable(
  "users",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    email: text("email").notNull(),
    name: text("name").notNull(),
    role: userRole("role").notNull().default("reporter"),
    status: userStatus("status").notNull().default("active"),
    passwordHash: text("password_hash").notNull(),
    ...auditedColumns(),
  },
  // Emails are unique regardless of case; lookups use lower(email) so this index serves them.
  (table) => [
    uniqueIndex("users_email_lower_key").on(sql`lower(${table.email})`),
    index("users_created_idx").on(table.createdAt.desc(), table.id.desc()),
  ],
);
