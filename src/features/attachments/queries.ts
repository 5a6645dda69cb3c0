import { and, asc, count, eq, isNull, or, type SQL, sql } from "drizzle-orm";
import type { Database } from "../../db/database.ts";
import { ticketAttachments, ticketComments, users } from "../../db/schema.ts";
import type { Actor } from "../../lib/actor.ts";
import { BadRequestError, NotFoundError } from "../../lib/errors.ts";
import { isPgTimestamp } from "../../lib/keyset.ts";
import { cursorValues, pageOf } from "../../lib/list.ts";
import { dispositionOf } from "./disposition.ts";
import type { Attachment } from "./schemas.ts";

type Reader = Pick<Database, "select">;
export type AttachmentRow = typeof ticketAttachments.$inferSelect;

const attachmentColumns = {
  attachment: ticketAttachments,
  uploaderName: users.name,
  // Microsecond precision for the keyset cursor (a JS Date would cut it to milliseconds).
  cursorAt: sql<string>`${ticketAttachments.createdAt}::text`,
};

/**
 * A file is seen with what it is attached to: a comment's files vanish with the comment, and an
 * internal comment's files never reach a reporter. The ticket itself is checked by the caller.
 */
export function visibleAttachments(actor: Pick<Actor, "role">): SQL {
  const comment = and(
    isNull(ticketComments.deletedAt),
    actor.role === "reporter" ? eq(ticketComments.visibility, "public") : undefined,
  );
  return or(isNull(ticketAttachments.commentId), comment) as SQL;
}

function fromAttachments(db: Reader) {
  return db
    .select(attachmentColumns)
    .from(ticketAttachments)
    .innerJoin(users, eq(users.id, ticketAttachments.uploaderId))
    .leftJoin(ticketComments, eq(ticketComments.id, ticketAttachments.commentId));
}

/** One page of a ticket's ready files, oldest first, keyset over ticket_attachments_ticket_idx. */
export async function listTicketAttachments(
  db: Reader,
  actor: Pick<Actor, "role">,
  ticketId: string,
  query: { limit: number; cursor?: string | undefined; count?: boolean | undefined },
) {
  const scope = and(
    eq(ticketAttachments.ticketId, ticketId),
    isNull(ticketAttachments.deletedAt),
    eq(ticketAttachments.status, "ready"),
    visibleAttachments(actor),
  );
  let after: SQL | undefined;
  if (query.cursor) {
    const [at, id] = cursorValues(query.cursor, 2);
    if (!isPgTimestamp(at) || typeof id !== "string" || !UUID.test(id))
      throw new BadRequestError("The cursor is not valid for this list.", "invalid_cursor");
    after = sql`(${ticketAttachments.createdAt}, ${ticketAttachments.id}) > (${at}::timestamptz, ${id}::uuid)`;
  }
  const rows = await fromAttachments(db)
    .where(and(scope, after))
    .orderBy(asc(ticketAttachments.createdAt), asc(ticketAttachments.id))
    .limit(query.limit + 1);
  const { page, nextCursor } = pageOf(rows, query.limit, (row) => [row.cursorAt, row.attachment.id]);
  const data = page.map((row) => toAttachment(row.attachment, row.uploaderName));
  if (!query.count) return { data, nextCursor };
  const [total] = await db
    .select({ value: count() })
    .from(ticketAttachments)
    .leftJoin(ticketComments, eq(ticketComments.id, ticketAttachments.commentId))
    .where(scope);
  return { data, nextCursor, total: total?.value ?? 0 };
}

/**
 * A file of this ticket the caller may see, in any state (the caller filters): pending, ready or
 * deleted. Whether the comment it belongs to is visible is always checked.
 */
export async function findAttachment(
  db: Reader,
  actor: Pick<Actor, "role">,
  ticketId: string,
  attachmentId: string,
) {
  const [row] = await fromAttachments(db)
    .where(
      and(
        eq(ticketAttachments.id, attachmentId),
        eq(ticketAttachments.ticketId, ticketId),
        visibleAttachments(actor),
      ),
    )
    .limit(1);
  return row;
}

export function attachmentNotFound(): NotFoundError {
  return new NotFoundError("No such attachment.", "attachment_not_found");
}

export function toAttachment(row: AttachmentRow, uploaderName: string): Attachment {
  return {
    id: row.id,
    ticketId: row.ticketId,
    commentId: row.commentId,
    uploader: { id: row.uploaderId, name: uploaderName },
    name: row.name,
    size: row.size,
    sha256: row.sha256,
    contentType: row.contentType,
    disposition: row.contentType ? dispositionOf(row.contentType) : "attachment",
    width: row.width,
    height: row.height,
    status: row.status,
    createdAt: row.createdAt.toISOString(),
    completedAt: row.completedAt?.toISOString() ?? null,
    deletedAt: row.deletedAt?.toISOString() ?? null,
    version: row.version,
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The ticket's visible file count for this caller, as a correlated subquery of a select from
 * `tickets`: a list page of N tickets stays one statement, with one probe of
 * ticket_attachments_ticket_idx per ticket. The outer column is written out in full: drizzle
 * leaves a single-table select's columns unqualified, and `id` would then name `a.id`.
 */
export function attachmentCountOf(actor: Pick<Actor, "role">): SQL<number> {
  const reporter = actor.role === "reporter" ? sql` and c.visibility = 'public'` : sql``;
  return sql<number>`(select count(*)::int from ${ticketAttachments} a left join ${ticketComments} c on c.id = a.comment_id where a.ticket_id = "tickets"."id" and a.deleted_at is null and a.status = 'ready' and (a.comment_id is null or (c.deleted_at is null${reporter})))`.mapWith(
    Number,
  );
}
