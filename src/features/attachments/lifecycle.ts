import { and, eq, isNotNull, isNull, sql } from "drizzle-orm";
import { ticketAttachments, ticketComments } from "../../db/schema.ts";
import type { Deps } from "../../deps.ts";
import type { Actor } from "../../lib/actor.ts";
import { writeAudit } from "../../lib/audit.ts";
import { ForbiddenError, PreconditionFailedError } from "../../lib/errors.ts";
import { publishAfterCommit } from "../events/publish.ts";
import { recordEvent, type TicketSnapshot } from "../events/record.ts";
import { canSeeDeleted, loadVisibleTicket } from "../tickets/access.ts";
import { attachmentNotFound, findAttachment, toAttachment } from "./queries.ts";
import type { Attachment } from "./schemas.ts";

type Tx = Parameters<Parameters<Deps["db"]["transaction"]>[0]>[0];
type Ref = { ticketId: string; attachmentId: string };

/**
 * Soft delete, like a comment: the row and the object stay (so it can be restored and the audit
 * trail holds), every read and every download URL, even one already issued by the API, stops.
 * The uploader, admins and managers who see the ticket may delete and restore.
 */
export async function deleteAttachment(
  deps: Deps,
  actor: Actor,
  ref: Ref,
  expectedVersion: number | undefined,
) {
  const eventId = await deps.db.transaction(async (tx) => {
    const { ticket, row } = await loadChangeable(tx, actor, ref, { deleted: false }, expectedVersion);
    const [deleted] = await tx
      .update(ticketAttachments)
      .set({ deletedAt: sql`now()`, updatedAt: sql`now()`, version: sql`${ticketAttachments.version} + 1` })
      .where(
        and(
          eq(ticketAttachments.id, row.id),
          eq(ticketAttachments.version, row.version),
          isNull(ticketAttachments.deletedAt),
        ),
      )
      .returning();
    if (!deleted) throw stale(row.version);
    await writeAudit(tx, actor, {
      action: "attachment.deleted",
      entityType: "attachment",
      entityId: deleted.id,
      before: { deletedAt: null },
      after: {
        ticketId: deleted.ticketId,
        commentId: deleted.commentId,
        deletedAt: deleted.deletedAt?.toISOString(),
      },
    });
    const attachment = toAttachment(deleted, "");
    return recordAttachmentEvent(tx, "attachment.deleted", ticket, attachment);
  });
  publishAfterCommit(deps, [eventId]);
}

export async function restoreAttachment(
  deps: Deps,
  actor: Actor,
  ref: Ref,
  expectedVersion: number | undefined,
): Promise<Attachment> {
  const { attachment, eventId } = await deps.db.transaction(async (tx) => {
    const { ticket, row, uploaderName } = await loadChangeable(
      tx,
      actor,
      ref,
      { deleted: true },
      expectedVersion,
    );
    const [restored] = await tx
      .update(ticketAttachments)
      .set({ deletedAt: null, updatedAt: sql`now()`, version: sql`${ticketAttachments.version} + 1` })
      .where(
        and(
          eq(ticketAttachments.id, row.id),
          eq(ticketAttachments.version, row.version),
          isNotNull(ticketAttachments.deletedAt),
        ),
      )
      .returning();
    if (!restored) throw stale(row.version);
    await writeAudit(tx, actor, {
      action: "attachment.restored",
      entityType: "attachment",
      entityId: restored.id,
      before: { deletedAt: row.deletedAt?.toISOString() ?? null },
      after: { ticketId: restored.ticketId, commentId: restored.commentId, deletedAt: null },
    });
    const attachment = toAttachment(restored, uploaderName);
    return { attachment, eventId: await recordAttachmentEvent(tx, "attachment.added", ticket, attachment) };
  });
  publishAfterCommit(deps, [eventId]);
  return attachment;
}

/** 404 for what the caller cannot see, 403 for someone else's file, 412 for a stale If-Match. */
async function loadChangeable(
  tx: Tx,
  actor: Actor,
  ref: Ref,
  want: { deleted: boolean },
  expectedVersion: number | undefined,
) {
  const ticket = await loadVisibleTicket(tx, actor, ref.ticketId, { forUpdate: true });
  const found = await findAttachment(tx, actor, ref.ticketId, ref.attachmentId);
  if (found?.attachment.status !== "ready" || (found.attachment.deletedAt !== null) !== want.deleted)
    throw attachmentNotFound();
  // A deleted file is only found again by those who may restore it.
  if (found.attachment.uploaderId !== actor.userId && !canSeeDeleted(actor)) {
    if (want.deleted) throw attachmentNotFound();
    throw new ForbiddenError(
      "Only the uploader, a manager or an admin may delete a file.",
      "not_attachment_uploader",
    );
  }
  if (expectedVersion !== undefined && expectedVersion !== found.attachment.version)
    throw stale(found.attachment.version);
  return { ticket, row: found.attachment, uploaderName: found.uploaderName };
}

function stale(currentVersion: number) {
  return new PreconditionFailedError("The attachment changed since you read it.", { currentVersion });
}

/** A comment's files are as internal as the comment: their events never reach reporters. */
export async function recordAttachmentEvent(
  tx: Tx,
  type: "attachment.added" | "attachment.deleted",
  ticket: TicketSnapshot,
  attachment: Attachment,
): Promise<number> {
  let visibility: "public" | "internal" = "public";
  if (attachment.commentId) {
    const [comment] = await tx
      .select({ visibility: ticketComments.visibility })
      .from(ticketComments)
      .where(eq(ticketComments.id, attachment.commentId));
    visibility = comment?.visibility ?? "internal";
  }
  const payload =
    type === "attachment.deleted"
      ? {
          id: attachment.id,
          ticketId: attachment.ticketId,
          commentId: attachment.commentId,
          deletedAt: attachment.deletedAt,
        }
      : attachment;
  return recordEvent(tx, { type, ticket, visibility, payload });
}
