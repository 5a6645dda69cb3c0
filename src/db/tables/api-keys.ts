import { sql } from "drizzle-orm";
import { index, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { timestamptz } from "./timestamptz.ts";
import { users } from "./users.ts";

/** personal: made by its owner for themselves; service: made by an admin for another account. */
export const apiKeyKind = pgEnum("api_key_kind", ["personal", "service"]);

/**
 * API keys: only the SHA-256 of the whole key is stored. `public_id` is the key's non-secret part
 * (shown in lists, searched by authentication through its unique index); the owner's role and
 * status are joined on every request, so a key never holds more power than its owner has now.
 */
export const apiKeys = pgTable(
  "api_keys",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    publicId: text("public_id").notNull(),
    secretHash: text("secret_hash").notNull(),
    ownerId: uuid("owner_id")
      .notNull()
      .references(() => users.id),
    createdBy: uuid("created_by")
      .notNull()
      .references(() => users.id),
    kind: apiKeyKind("kind").notNull(),
    name: text("name").notNull(),
    scopes: text("scopes").array().notNull(),
    expiresAt: timestamptz("expires_at"),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    revokedBy: uuid("revoked_by").references(() => users.id),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex("api_keys_public_id_key").on(table.publicId),
    index("api_keys_owner_created_idx").on(table.ownerId, table.createdAt.desc(), table.id.desc()),
    index("api_keys_created_idx").on(table.createdAt.desc(), table.id.desc()),
    // The per-owner cap counts live keys; this keeps that count off the revoked history.
    index("api_keys_owner_live_idx").on(table.ownerId).where(sql`${table.revokedAt} is null`),
  ],
);
