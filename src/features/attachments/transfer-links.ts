import type { Deps } from "../../deps.ts";
import { contentDisposition, dispositionOf } from "./disposition.ts";
import { objectKeyOf, uploadKeyOf } from "./keys.ts";
import type { AttachmentRow } from "./queries.ts";
import { signTransfer } from "./signed-urls.ts";

export interface TransferLink {
  method: "PUT" | "GET";
  url: string;
  headers: Record<string, string>;
  expiresAt: string;
}

/**
 * Where the client sends the file: a presigned PUT straight to the store when it can presign
 * (S3), else the API's own signed URL (disk, R2 binding). `origin` is the API's public origin.
 */
export async function uploadLink(deps: Deps, row: AttachmentRow, origin: string): Promise<TransferLink> {
  const ttl = deps.config.ATTACHMENT_URL_TTL_SECONDS;
  const expiresAt = new Date(deps.clock.now().getTime() + ttl * 1000);
  const headers = { "content-type": row.declaredType };
  if (deps.objects.presign) {
    const signed = await deps.objects.presign.put(
      uploadKeyOf(row),
      { size: row.size, contentType: row.declaredType },
      ttl,
    );
    return {
      method: "PUT",
      url: signed.url,
      headers: { ...signed.headers, ...headers },
      expiresAt: expiresAt.toISOString(),
    };
  }
  const url = await signTransfer(deps.config.JWT_SECRET, origin, {
    method: "PUT",
    attachmentId: row.id,
    expiresAt,
  });
  return { method: "PUT", url, headers, expiresAt: expiresAt.toISOString() };
}

/** A short-lived download URL answering with the sniffed type and a safe disposition. */
export async function downloadLink(deps: Deps, row: AttachmentRow, origin: string): Promise<TransferLink> {
  const ttl = deps.config.ATTACHMENT_URL_TTL_SECONDS;
  const expiresAt = new Date(deps.clock.now().getTime() + ttl * 1000);
  const contentType = row.contentType ?? "application/octet-stream";
  if (deps.objects.presign) {
    const signed = await deps.objects.presign.get(
      objectKeyOf(row),
      { contentType, contentDisposition: contentDisposition(dispositionOf(contentType), row.name) },
      ttl,
    );
    return { method: "GET", url: signed.url, headers: signed.headers, expiresAt: expiresAt.toISOString() };
  }
  const url = await signTransfer(deps.config.JWT_SECRET, origin, {
    method: "GET",
    attachmentId: row.id,
    expiresAt,
  });
  return { method: "GET", url, headers: {}, expiresAt: expiresAt.toISOString() };
}
