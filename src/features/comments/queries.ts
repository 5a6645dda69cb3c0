import { and, asc, count, eq, isNull, type SQL, sql } from "drizzle-orm";
import type { Database } from "../../db/database.ts";
import { ticketComments, users } from "../../db/schema.ts";
import type { Actor } from "../../lib/actor.ts";
import { BadRequestError, NotFoundError } from "../../lib/errors.ts";
import { isPgTimestamp } from "../../lib/keyset.ts";
import { cursorValues, pageOf } from "../../lib/list.ts";
import type { Mention } from "../notifications/mentions.ts";
import type { Comment } from "./schemas.ts";

type Reader = Pick<Database, "select">;
export type CommentRow = typeof ticketComments.$inferSelect;

/** The columns every comment read selects: the row, its author's name and an exact cursor key. */
const commentColumns = {
  comment: ticketComments,
  authorName: users.name,
  // Full microsecond precision as text: a JS Date would truncate to milliseconds and a keyset
  // cursor built from it would repeat rows created within the same millisecond.
  cursorAt: sql<string>`${ticketComments.createdAt}::text`,
};

/** Reporters never see internal comments; deleted comments are left out of every read. */
export function visibleComments(actor: Pick<Actor, "role">): SQL {
  const live = isNull(ticketComments.deletedAt);
  return actor.role === "reporter" ? (and(live, eq(ticketComments.visibility, "public")) as SQL) : live;
}

/**
 * One page of a ticket's comments, oldest first, keyset over (created_at, id) on
 * ticket_comments_ticket_created_idx; the author names come from the same query.
 */
export async function listTicketComments(
  db: Reader,
  actor: Pick<Actor, "role">,
  ticketId: string,
  query: { limit: number; cursor?: string | undefined; count?: boolean | undefined },
) {
  const scope = and(eq(ticketComments.ticketId, ticketId), visibleComments(actor));
  let after: SQL | undefined;
  if (query.cursor) {
    const [at, id] = cursorValues(query.cursor, 2);
    // Date.parse accepts "0" or "March 7", which the ::timestamptz cast refuses (a 500): only
    // what `created_at::text` itself writes is a valid cursor value.
    if (!isPgTimestamp(at) || typeof id !== "string" || !UUID.test(id))
      throw new BadRequestError("The cursor is not valid for this list.", "invalid_cursor");
    after = sql`(${ticketComments.createdAt}, ${ticketComments.id}) > (${at}::timestamptz, ${id}::uuid)`;
  }
  const rows = await db
    .select(commentColumns)
    .from(ticketComments)
    .innerJoin(users, eq(users.id, ticketComments.authorId))
    .where(and(scope, after))
    .orderBy(asc(ticketComments.createdAt), asc(ticketComments.id))
    .limit(query.limit + 1);
  const { page, nextCursor } = pageOf(rows, query.limit, (row) => [row.cursorAt, row.comment.id]);
  const data = page.map((row) => toComment(row.comment, row.authorName));
  if (!query.count) return { data, nextCursor };
  const [total] = await db.select({ value: count() }).from(ticketComments).where(scope);
  return { data, nextCursor, total: total?.value ?? 0 };
}

/** A live comment of this ticket the caller may see, with its author's name, or undefined. */
export async function findVisibleComment(
  db: Reader,
  actor: Pick<Actor, "role">,
  ticketId: string,
  commentId: string,
) {
  const [row] = await db
    .select(commentColumns)
    .from(ticketComments)
    .innerJoin(users, eq(users.id, ticketComments.authorId))
    .where(
      and(eq(ticketComments.id, commentId), eq(ticketComments.ticketId, ticketId), visibleComments(actor)),
    )
    .limit(1);
  return row;
}

export function commentNotFound(): NotFoundError {
  return new NotFoundError("No such comment.", "comment_not_found");
}

export function toComment(row: CommentRow, authorName: string, mentions: Mention[] = []): Comment {
  return {
    id: row.id,
    ticketId: row.ticketId,
    author: { id: row.authorId, name: authorName },
    body: row.body,
    mentions,
    visibility: row.visibility,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    version: row.version,
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
