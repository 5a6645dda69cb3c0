import { sql } from "drizzle-orm";
import { bigint, index, integer, pgEnum, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { auditedColumns } from "./columns.ts";
import { ticketComments } from "./comments.ts";
import { tickets } from "./tickets.ts";
import { users } from "./users.ts";

/** `pending` until the upload is checked (`…/complete`); only `ready` files are ever listed or served. */
export const attachmentStatus = pgEnum("attachment_status", ["pending", "ready"]);

/**
 * Files on tickets (and optionally on one comment), kept in the object store under `storage_key`.
 * `declared_type` is what the client claimed, kept for the audit trail only; `content_type` is
 * what the server sniffed from the bytes at completion, and the only type ever served.
 */
export const ticketAttachments = pgTable(
  "ticket_attachments",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    ticketId: uuid("ticket_id")
      .notNull()
      .references(() => tickets.id, { onDelete: "cascade" }),
    commentId: uuid("comment_id").references(() => ticketComments.id, { onDelete: "cascade" }),
    uploaderId: uuid("uploader_id")
      .notNull()
      .references(() => users.id, { onDelete: "restrict" }),
    name: text("name").notNull(),
    size: bigint("size", { mode: "number" }).notNull(),
    sha256: text("sha256").notNull(),
    declaredType: text("declared_type").notNull(),
    contentType: text("content_type"),
    width: integer("width"),
    height: integer("height"),
    storageKey: text("storage_key").notNull().unique(),
    status: attachmentStatus("status").notNull().default("pending"),
    completedAt: timestamp("completed_at", { withTimezone: true }),
    ...auditedColumns(),
    deletedAt: timestamp("deleted_at", { withTimezone: true }),
  },
  (table) => [
    // The ticket's list, its count and its quota; deleted files count for none of them.
    index("ticket_attachments_ticket_idx")
      .on(table.ticketId, table.createdAt, table.id)
      .where(sql`${table.deletedAt} is null`),
    // The sweep of abandoned uploads.
    index("ticket_attachments_pending_idx").on(table.createdAt).where(sql`${table.status} = 'pending'`),
  ],
);
