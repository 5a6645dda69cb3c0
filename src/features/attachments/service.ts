import { and, count, eq, isNull, ne, sql, sum } from "drizzle-orm";
import { ticketAttachments, users } from "../../db/schema.ts";
import type { Deps } from "../../deps.ts";
import type { Actor } from "../../lib/actor.ts";
import { writeAudit } from "../../lib/audit.ts";
import { AppError, ConflictError, ForbiddenError } from "../../lib/errors.ts";
import { commentNotFound, findVisibleComment } from "../comments/queries.ts";
import { publishAfterCommit } from "../events/publish.ts";
import { loadVisibleTicket } from "../tickets/access.ts";
import { checkDeclared, checkObject } from "./checks.ts";
import { objectKeyOf, uploadKeyOf } from "./keys.ts";
import { recordAttachmentEvent } from "./lifecycle.ts";
import {
  type AttachmentRow,
  attachmentNotFound,
  findAttachment,
  listTicketAttachments,
  toAttachment,
} from "./queries.ts";
import type { Attachment, CreateAttachment } from "./schemas.ts";
import { downloadLink, type TransferLink, uploadLink } from "./transfer-links.ts";

type Tx = Parameters<Parameters<Deps["db"]["transaction"]>[0]>[0];

export async function listAttachments(
  deps: Deps,
  actor: Actor,
  ticketId: string,
  query: { limit: number; cursor?: string | undefined; count?: boolean | undefined },
) {
  await loadVisibleTicket(deps.db, actor, ticketId);
  return listTicketAttachments(deps.db, actor, ticketId, query);
}

/**
 * Reserves a file on the ticket (or on one of the caller's comments) and returns where to upload
 * it. Every limit the claims allow checking is checked here, before a byte is stored; the
 * ticket row is locked so that concurrent reservations cannot together pass the ticket's quota.
 */
export async function createAttachment(
  deps: Deps,
  actor: Actor,
  ticketId: string,
  input: CreateAttachment,
  origin: string,
): Promise<{ attachment: Attachment; upload: TransferLink }> {
  checkDeclared(deps.config, input);
  const row = await deps.db.transaction(async (tx) => {
    await loadVisibleTicket(tx, actor, ticketId, { forUpdate: true });
    if (input.commentId) {
      const comment = await findVisibleComment(tx, actor, ticketId, input.commentId);
      if (!comment) throw commentNotFound();
      if (comment.comment.authorId !== actor.userId)
        throw new ForbiddenError("Only the comment's author may attach files to it.", "not_comment_author");
    }
    await checkTicketQuota(tx, deps, ticketId, input.size);
    const id = crypto.randomUUID();
    const [created] = await tx
      .insert(ticketAttachments)
      .values({
        id,
        ticketId,
        commentId: input.commentId ?? null,
        uploaderId: actor.userId,
        name: input.name,
        size: input.size,
        sha256: input.sha256,
        declaredType: input.contentType,
        storageKey: objectKeyOf({ ticketId, id }),
      })
      .returning();
    if (!created) throw new Error("insert returned nothing");
    await writeAudit(tx, actor, {
      action: "attachment.upload_started",
      entityType: "attachment",
      entityId: id,
      before: null,
      after: {
        ticketId,
        commentId: created.commentId,
        name: created.name,
        size: created.size,
        declaredType: created.declaredType,
      },
    });
    return created;
  });
  return {
    attachment: toAttachment(row, await uploaderName(deps, actor.userId)),
    upload: await uploadLink(deps, row, origin),
  };
}

/**
 * Checks the uploaded bytes and makes the file visible. The bytes are moved out of the upload
 * URL's reach first, then checked (size, SHA-256, sniffed type) with no transaction open: hashing
 * a large file takes a while. A file that fails is deleted; the reservation stays, so the client
 * may upload again while its URL lasts. Completing a ready file again answers it unchanged.
 */
export async function completeAttachment(
  deps: Deps,
  actor: Actor,
  ref: { ticketId: string; attachmentId: string },
): Promise<Attachment> {
  await loadVisibleTicket(deps.db, actor, ref.ticketId);
  const found = await findAttachment(deps.db, actor, ref.ticketId, ref.attachmentId);
  if (!found || found.attachment.deletedAt || found.attachment.uploaderId !== actor.userId)
    throw attachmentNotFound();
  if (found.attachment.status === "ready") return toAttachment(found.attachment, found.uploaderName);
  const row = found.attachment;
  const key = objectKeyOf(row);
  await moveUpload(deps, row, key);
  let sniffed: Awaited<ReturnType<typeof checkObject>>;
  try {
    sniffed = await checkObject(deps.objects, deps.config, row, key);
  } catch (error) {
    if (error instanceof AppError && error.code !== "upload_missing") await deps.objects.delete([key]);
    throw error;
  }
  const { attachment, eventId } = await deps.db.transaction(async (tx) => {
    const ticket = await loadVisibleTicket(tx, actor, ref.ticketId, { forUpdate: true });
    await checkTicketQuota(tx, deps, ref.ticketId, 0, { id: row.id, size: row.size });
    const [ready] = await tx
      .update(ticketAttachments)
      .set({
        status: "ready",
        contentType: sniffed.contentType,
        width: sniffed.width,
        height: sniffed.height,
        completedAt: sql`now()`,
        updatedAt: sql`now()`,
        version: sql`${ticketAttachments.version} + 1`,
      })
      .where(
        and(
          eq(ticketAttachments.id, row.id),
          eq(ticketAttachments.status, "pending"),
          isNull(ticketAttachments.deletedAt),
        ),
      )
      .returning();
    if (!ready) throw new ConflictError("The attachment changed while it was checked.", "attachment_changed");
    await writeAudit(tx, actor, {
      action: "attachment.added",
      entityType: "attachment",
      entityId: ready.id,
      before: { status: "pending" },
      after: {
        ticketId: ready.ticketId,
        commentId: ready.commentId,
        status: "ready",
        contentType: ready.contentType,
        declaredType: ready.declaredType,
      },
    });
    const attachment = toAttachment(ready, found.uploaderName);
    return { attachment, eventId: await recordAttachmentEvent(tx, "attachment.added", ticket, attachment) };
  });
  publishAfterCommit(deps, [eventId]);
  return attachment;
}

/** A concurrent completion may have moved the upload first: that is not a failure. */
async function moveUpload(deps: Deps, row: AttachmentRow, key: string) {
  const upload = uploadKeyOf(row);
  if (!(await deps.objects.head(upload))) return;
  try {
    await deps.objects.move(upload, key);
  } catch (error) {
    if (await deps.objects.head(upload)) throw error;
  }
}

export async function getAttachment(
  deps: Deps,
  actor: Actor,
  ref: { ticketId: string; attachmentId: string },
) {
  const found = await loadReady(deps, actor, ref);
  return toAttachment(found.attachment, found.uploaderName);
}

export async function linkAttachment(
  deps: Deps,
  actor: Actor,
  ref: { ticketId: string; attachmentId: string },
  origin: string,
): Promise<TransferLink> {
  const found = await loadReady(deps, actor, ref);
  return downloadLink(deps, found.attachment, origin);
}

async function loadReady(deps: Deps, actor: Actor, ref: { ticketId: string; attachmentId: string }) {
  await loadVisibleTicket(deps.db, actor, ref.ticketId);
  const found = await findAttachment(deps.db, actor, ref.ticketId, ref.attachmentId);
  if (found?.attachment.status !== "ready" || found.attachment.deletedAt) throw attachmentNotFound();
  return found;
}

/**
 * The ticket's quota, counting live reservations and files. At completion (`completing`) the
 * file itself is left out of the sum and added as `size`, so a file fits when its reservation did.
 */
async function checkTicketQuota(
  tx: Tx,
  deps: Deps,
  ticketId: string,
  size: number,
  completing?: { id: string; size: number },
) {
  const [usage] = await tx
    .select({ files: count(), bytes: sum(ticketAttachments.size).mapWith(Number) })
    .from(ticketAttachments)
    .where(
      and(
        eq(ticketAttachments.ticketId, ticketId),
        isNull(ticketAttachments.deletedAt),
        completing ? ne(ticketAttachments.id, completing.id) : undefined,
      ),
    );
  const files = (usage?.files ?? 0) + (completing ? 1 : 0);
  const bytes = (usage?.bytes ?? 0) + size + (completing?.size ?? 0);
  const { ATTACHMENT_MAX_PER_TICKET: maxFiles, ATTACHMENT_MAX_TICKET_BYTES: maxBytes } = deps.config;
  if (files + (completing ? 0 : 1) > maxFiles)
    throw new ConflictError(`A ticket may have at most ${maxFiles} files.`, "attachment_limit_reached");
  if (bytes > maxBytes)
    throw new ConflictError(
      `A ticket's files may total at most ${maxBytes} bytes.`,
      "ticket_attachments_too_large",
    );
}

async function uploaderName(deps: Deps, userId: string): Promise<string> {
  const [row] = await deps.db.select({ name: users.name }).from(users).where(eq(users.id, userId));
  return row?.name ?? "";
}

export type { AttachmentRow };
