import { sql } from "drizzle-orm";
import { boolean, index, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
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
    /** Null until the person proved they read this address (a link mailed to it, an invitation). */
    emailVerifiedAt: timestamp("email_verified_at", { withTimezone: true }),
    /** Set when an admin chose the password: the next sign-in must replace it (ASVS 5.0 6.4.1). */
    passwordChangeRequired: boolean("password_change_required").notNull().default(false),
    ...auditedColumns(),
  },
  // Emails are unique regardless of case; lookups use lower(email) so this index serves them.
  (table) => [
    uniqueIndex("users_email_lower_key").on(sql`lower(${table.email})`),
    index("users_created_idx").on(table.createdAt.desc(), table.id.desc()),
  ],
);
