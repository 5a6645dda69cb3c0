import { and, eq, isNull, sql } from "drizzle-orm";
import { ticketComments, tickets, users } from "../../db/schema.ts";
import type { Deps } from "../../deps.ts";
import type { Actor } from "../../lib/actor.ts";
import { writeAudit } from "../../lib/audit.ts";
import { ForbiddenError, PreconditionFailedError } from "../../lib/errors.ts";
import { publishAfterCommit } from "../events/publish.ts";
import { forgetCommentBody, recordEvent, type TicketSnapshot } from "../events/record.ts";
import { sendQueuedMail } from "../mail/outbox.ts";
import { recordNotificationEvents } from "../notifications/live.ts";
import { mentionsOfTexts } from "../notifications/mentions.ts";
import { loadVisibleTicket } from "../tickets/access.ts";
import { noticeComment } from "./notices.ts";
import {
  type CommentRow,
  commentNotFound,
  findVisibleComment,
  listTicketComments,
  toComment,
} from "./queries.ts";
import type { Comment, CommentVisibility } from "./schemas.ts";

type Tx = Parameters<Parameters<Deps["db"]["transaction"]>[0]>[0];

export async function listComments(
  deps: Deps,
  actor: Actor,
  ticketId: string,
  query: { limit: number; cursor?: string | undefined; count?: boolean | undefined },
) {
  const ticket = await loadVisibleTicket(deps.db, actor, ticketId);
  const page = await listTicketComments(deps.db, actor, ticketId, query);
  const texts = page.data.map((comment) => ({ text: comment.body, visibility: comment.visibility }));
  const mentions = await mentionsOfTexts(deps.db, ticket, texts);
  return {
    ...page,
    data: page.data.map((comment, index) => ({ ...comment, mentions: mentions[index] ?? [] })),
  };
}

/**
 * Anyone who can see the ticket may comment; reporters only publicly. The first public comment by
 * someone other than the reporter records the ticket's first response, in the same transaction.
 *
 * Audit convention (the ticket activity feed relies on it): `after` always carries `ticketId` and
 * `visibility`, so a reader can scope and filter comment rows without joining the comments table.
 */
export async function createComment(
  deps: Deps,
  actor: Actor,
  ticketId: string,
  input: { body: string; visibility: CommentVisibility },
): Promise<Comment> {
  const { comment, eventIds, mailQueued } = await deps.db.transaction(async (tx) => {
    const ticket = await loadVisibleTicket(tx, actor, ticketId);
    if (actor.role === "reporter" && input.visibility === "internal") {
      throw new ForbiddenError("Reporters may only post public comments.", "field_forbidden", [
        { path: "body.visibility", message: "internal comments are for staff only" },
      ]);
    }
    const [row] = await tx
      .insert(ticketComments)
      .values({ ticketId, authorId: actor.userId, body: input.body, visibility: input.visibility })
      .returning();
    if (!row) throw new Error("insert returned nothing");
    if (input.visibility === "public" && actor.role !== "reporter" && actor.userId !== ticket.reporterId) {
      await recordFirstResponse(tx, ticketId);
    }
    await writeAudit(tx, actor, {
      action: "comment.created",
      entityType: "comment",
      entityId: row.id,
      before: null,
      after: { ticketId, visibility: row.visibility, body: row.body },
    });
    const notice = await noticeComment(deps, tx, actor.userId, ticket, row, null);
    const comment = toComment(row, await authorName(tx, actor.userId), notice.mentions);
    const eventId = await recordCommentEvent(tx, "comment.created", ticket, row, comment);
    const notified = await recordNotificationEvents(tx, notice.notificationIds);
    return {
      comment: withUnreachable(comment, notice.unreachable),
      eventIds: [eventId, ...notified],
      mailQueued: notice.mailQueued,
    };
  });
  publishAfterCommit(deps, eventIds);
  if (mailQueued) sendQueuedMail(deps);
  return comment;
}

/** Only the author edits; the body is the only editable field. */
export async function updateComment(
  deps: Deps,
  actor: Actor,
  ref: { ticketId: string; commentId: string },
  body: string,
  expectedVersion: number | undefined,
): Promise<Comment> {
  const { comment, eventIds, mailQueued } = await deps.db.transaction(async (tx) => {
    const current = await loadOwnComment(tx, actor, ref, expectedVersion);
    const [row] = await tx
      .update(ticketComments)
      .set({ body, updatedAt: sql`now()`, version: sql`${ticketComments.version} + 1` })
      .where(conditionalOn(ref.commentId, expectedVersion))
      .returning();
    if (!row) throw await stale(tx, ref.commentId);
    await writeAudit(tx, actor, {
      action: "comment.updated",
      entityType: "comment",
      entityId: row.id,
      before: { body: current.comment.body },
      after: { ticketId: ref.ticketId, visibility: row.visibility, body: row.body },
    });
    const notice = await noticeComment(deps, tx, actor.userId, current.ticket, row, current.comment.body);
    const comment = toComment(row, current.authorName, notice.mentions);
    const eventId = await recordCommentEvent(tx, "comment.updated", current.ticket, row, comment);
    const notified = await recordNotificationEvents(tx, notice.notificationIds);
    return {
      comment: withUnreachable(comment, notice.unreachable),
      eventIds: [eventId, ...notified],
      mailQueued: notice.mailQueued,
    };
  });
  publishAfterCommit(deps, eventIds);
  if (mailQueued) sendQueuedMail(deps);
  return comment;
}

/** Soft delete by the author: the row stays (and its audit trail), every read leaves it out. */
export async function deleteComment(
  deps: Deps,
  actor: Actor,
  ref: { ticketId: string; commentId: string },
  expectedVersion: number | undefined,
): Promise<void> {
  const eventId = await deps.db.transaction(async (tx) => {
    const current = await loadOwnComment(tx, actor, ref, expectedVersion);
    const [row] = await tx
      .update(ticketComments)
      .set({ deletedAt: sql`now()`, updatedAt: sql`now()`, version: sql`${ticketComments.version} + 1` })
      .where(conditionalOn(ref.commentId, expectedVersion))
      .returning();
    if (!row) throw await stale(tx, ref.commentId);
    await writeAudit(tx, actor, {
      action: "comment.deleted",
      entityType: "comment",
      entityId: row.id,
      before: { deletedAt: null },
      after: { ticketId: ref.ticketId, visibility: row.visibility, deletedAt: row.deletedAt?.toISOString() },
    });
    await forgetCommentBody(tx, ref.ticketId, row.id);
    const { body: _body, ...tombstone } = toComment(row, current.authorName);
    return recordCommentEvent(tx, "comment.deleted", current.ticket, row, tombstone);
  });
  publishAfterCommit(deps, [eventId]);
}

/**
 * 404 when the caller cannot see the ticket or the comment (a reporter and an internal comment),
 * 403 when they can see it but did not write it, 412 when If-Match names another version.
 */
async function loadOwnComment(
  tx: Tx,
  actor: Actor,
  ref: { ticketId: string; commentId: string },
  expectedVersion: number | undefined,
) {
  const ticket = await loadVisibleTicket(tx, actor, ref.ticketId);
  const current = await findVisibleComment(tx, actor, ref.ticketId, ref.commentId);
  if (!current) throw commentNotFound();
  if (current.comment.authorId !== actor.userId) {
    throw new ForbiddenError("Only the author may change or delete a comment.", "not_comment_author");
  }
  if (expectedVersion !== undefined && expectedVersion !== current.comment.version) {
    throw new PreconditionFailedError("The comment changed since you read it.", {
      currentVersion: current.comment.version,
    });
  }
  return { ...current, ticket };
}

/** The comment's own visibility decides who receives it: internal ones never reach reporters. */
function recordCommentEvent(
  tx: Tx,
  type: "comment.created" | "comment.updated" | "comment.deleted",
  ticket: TicketSnapshot,
  row: CommentRow,
  payload: Partial<Comment>,
): Promise<number> {
  return recordEvent(tx, { type, ticket, visibility: row.visibility, payload });
}

/** Without If-Match the last writer wins; with it, the update only applies to that version. */
function conditionalOn(commentId: string, expectedVersion: number | undefined) {
  return and(
    eq(ticketComments.id, commentId),
    isNull(ticketComments.deletedAt),
    expectedVersion === undefined ? undefined : eq(ticketComments.version, expectedVersion),
  );
}

async function stale(tx: Tx, commentId: string) {
  const [row] = await tx
    .select({ version: ticketComments.version, deletedAt: ticketComments.deletedAt })
    .from(ticketComments)
    .where(eq(ticketComments.id, commentId));
  if (!row || row.deletedAt) return commentNotFound();
  return new PreconditionFailedError("The comment changed since you read it.", {
    currentVersion: row.version,
  });
}

/** Conditional, so concurrent first comments record the earliest one only. */
async function recordFirstResponse(tx: Tx, ticketId: string) {
  await tx
    .update(tickets)
    .set({ firstRespondedAt: sql`now()`, updatedAt: sql`now()`, version: sql`${tickets.version} + 1` })
    .where(and(eq(tickets.id, ticketId), isNull(tickets.firstRespondedAt)));
}

async function authorName(tx: Tx, userId: string): Promise<string> {
  const [row] = await tx.select({ name: users.name }).from(users).where(eq(users.id, userId));
  return row?.name ?? "";
}

/** Only the author hears of mentions that reached no one, and only when there are some. */
function withUnreachable(comment: Comment, unreachable: string[]): Comment {
  return unreachable.length > 0 ? { ...comment, unreachableMentions: unreachable } : comment;
}
