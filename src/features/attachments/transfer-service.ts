import { and, eq, isNull } from "drizzle-orm";
import { ObjectSizeMismatchError } from "../../adapters/object-store/limits.ts";
import { ticketAttachments, ticketComments, tickets } from "../../db/schema.ts";
import type { Deps } from "../../deps.ts";
import { AppError, BadRequestError, ConflictError, ForbiddenError } from "../../lib/errors.ts";
import { contentDisposition, dispositionOf } from "./disposition.ts";
import { objectKeyOf, uploadKeyOf } from "./keys.ts";
import { attachmentNotFound } from "./queries.ts";
import { type TransferMethod, verifyTransfer } from "./signed-urls.ts";

export interface SignedTransfer {
  attachmentId: string;
  expires: string | undefined;
  signature: string | undefined;
}

/** 403 for a missing, forged or expired signature: the URL proves nothing then. */
export async function requireSignature(deps: Deps, method: TransferMethod, transfer: SignedTransfer) {
  const expires = Number(transfer.expires);
  const valid =
    /^\d{1,12}$/.test(transfer.expires ?? "") &&
    /^[A-Za-z0-9_-]{43}$/.test(transfer.signature ?? "") &&
    (await verifyTransfer(deps.config.JWT_SECRET, deps.clock.now(), {
      method,
      attachmentId: transfer.attachmentId,
      expires,
      signature: transfer.signature ?? "",
    }));
  if (!valid) throw new ForbiddenError("The link is not valid or has expired.", "invalid_transfer_link");
}

/**
 * Streams an upload into the store under the file's upload key. Only while the file is pending
 * and its ticket live, and only with a Content-Length that is exactly the reserved size: the
 * store refuses a body that runs longer or shorter, so nothing larger than reserved is stored.
 */
export async function receiveUpload(
  deps: Deps,
  attachmentId: string,
  body: ReadableStream<Uint8Array> | null,
  contentLength: string | undefined,
): Promise<void> {
  const [row] = await deps.db
    .select({
      id: ticketAttachments.id,
      ticketId: ticketAttachments.ticketId,
      size: ticketAttachments.size,
      status: ticketAttachments.status,
    })
    .from(ticketAttachments)
    .innerJoin(tickets, eq(tickets.id, ticketAttachments.ticketId))
    .where(
      and(
        eq(ticketAttachments.id, attachmentId),
        isNull(ticketAttachments.deletedAt),
        isNull(tickets.deletedAt),
      ),
    )
    .limit(1);
  if (!row) throw attachmentNotFound();
  if (row.status !== "pending")
    throw new ConflictError("The file is already complete.", "attachment_complete");
  if (contentLength === undefined || !/^\d+$/.test(contentLength))
    throw new AppError({
      status: 411,
      code: "length_required",
      title: "Length required",
      detail: "Send the file with a Content-Length.",
    });
  if (Number(contentLength) !== row.size)
    throw new AppError({
      status: Number(contentLength) > row.size ? 413 : 400,
      code: "size_mismatch",
      title: Number(contentLength) > row.size ? "Payload too large" : "Bad request",
      detail: `This upload takes exactly ${row.size} bytes.`,
    });
  if (!body) throw new BadRequestError("The request has no body.", "size_mismatch");
  try {
    await deps.objects.put(uploadKeyOf(row), body, row.size);
  } catch (error) {
    if (error instanceof ObjectSizeMismatchError)
      throw new BadRequestError(`This upload takes exactly ${row.size} bytes.`, "size_mismatch");
    throw error;
  }
}

/**
 * The file as a streamed response with safe headers, checked at serving time: a file deleted, or
 * whose ticket or comment was deleted after the link was issued, is not served any more.
 */
export async function serveDownload(
  deps: Deps,
  attachmentId: string,
): Promise<{ body: ReadableStream; headers: Record<string, string> }> {
  const [row] = await deps.db
    .select({ attachment: ticketAttachments, commentDeletedAt: ticketComments.deletedAt })
    .from(ticketAttachments)
    .innerJoin(tickets, eq(tickets.id, ticketAttachments.ticketId))
    .leftJoin(ticketComments, eq(ticketComments.id, ticketAttachments.commentId))
    .where(
      and(
        eq(ticketAttachments.id, attachmentId),
        eq(ticketAttachments.status, "ready"),
        isNull(ticketAttachments.deletedAt),
        isNull(tickets.deletedAt),
      ),
    )
    .limit(1);
  if (!row || row.commentDeletedAt) throw attachmentNotFound();
  const object = await deps.objects.get(objectKeyOf(row.attachment));
  if (!object) throw attachmentNotFound();
  const contentType = row.attachment.contentType ?? "application/octet-stream";
  return {
    body: object.body as ReadableStream,
    headers: {
      "Content-Type": contentType,
      "Content-Length": String(object.size),
      "Content-Disposition": contentDisposition(dispositionOf(contentType), row.attachment.name),
      "X-Content-Type-Options": "nosniff",
      // Even opened directly, a file runs nothing and loads nothing.
      "Content-Security-Policy": "default-src 'none'; img-src 'self'; sandbox",
      "Cache-Control": "private, no-store",
    },
  };
}
