import { sql } from "drizzle-orm";
import { boolean, index, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { auditedColumns } from "./columns.ts";
import { userRole, users } from "./users.ts";

export const accountTokenPurpose = pgEnum("account_token_purpose", [
  "password_reset",
  "email_verification",
  "email_change",
  "email_change_cancel",
]);

/**
 * Single-use secrets mailed to a person (src/features/account/tokens.ts): only their SHA-256 is
 * stored; the clear token exists in the mail alone. An email change keeps the new address here
 * until it is confirmed from it; its cancel token (sent to the old address) points at it.
 */
export const accountTokens = pgTable(
  "account_tokens",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    purpose: accountTokenPurpose("purpose").notNull(),
    tokenHash: text("token_hash").notNull(),
    newEmail: text("new_email"),
    /** An email change: end the user's other sessions once it is confirmed. */
    endSessions: boolean("end_sessions").notNull().default(false),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    usedAt: timestamp("used_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex("account_tokens_hash_key").on(table.tokenHash),
    index("account_tokens_user_idx").on(table.userId, table.purpose),
  ],
);

/**
 * An invitation by email with the role and teams the account will get. Pending while neither
 * accepted nor revoked; at most one pending invitation per address (case-insensitive).
 */
export const invitations = pgTable(
  "invitations",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    email: text("email").notNull(),
    role: userRole("role").notNull(),
    teamIds: uuid("team_ids").array().notNull().default(sql`'{}'::uuid[]`),
    invitedBy: uuid("invited_by").references(() => users.id, { onDelete: "set null" }),
    tokenHash: text("token_hash").notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    acceptedAt: timestamp("accepted_at", { withTimezone: true }),
    acceptedUserId: uuid("accepted_user_id").references(() => users.id, { onDelete: "set null" }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    ...auditedColumns(),
  },
  (table) => [
    uniqueIndex("invitations_token_hash_key").on(table.tokenHash),
    uniqueIndex("invitations_pending_email_key")
      .on(sql`lower(${table.email})`)
      .where(sql`${table.acceptedAt} is null and ${table.revokedAt} is null`),
    index("invitations_created_idx").on(table.createdAt.desc(), table.id.desc()),
    index("invitations_invited_by_idx").on(table.invitedBy, table.createdAt.desc(), table.id.desc()),
  ],
);
