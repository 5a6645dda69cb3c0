import { constantTimeEqual, hmacSha256Base64url, importHmacKey } from "../../lib/crypto.ts";

/** Where the API serves objects of stores that cannot presign (disk, R2 binding). */
export const TRANSFER_PATH = "/v1/attachment-transfers";

export type TransferMethod = "PUT" | "GET";

/**
 * The API's own presigned URLs: `…/attachment-transfers/<id>?expires=<unix s>&signature=<HMAC>`,
 * HMAC-SHA-256 under JWT_SECRET over a message that starts with its own label (no JWT signing
 * input contains a newline, so neither signature can stand for the other). The URL is a short
 * bearer capability, like an S3 presigned URL; the server still checks the ticket when serving.
 */
export async function signTransfer(
  secret: string,
  origin: string,
  request: { method: TransferMethod; attachmentId: string; expiresAt: Date },
): Promise<string> {
  const expires = Math.floor(request.expiresAt.getTime() / 1000);
  const signature = await hmacSha256Base64url(
    await importHmacKey(secret),
    messageOf(request.method, request.attachmentId, expires),
  );
  const url = new URL(`${TRANSFER_PATH}/${request.attachmentId}`, origin);
  url.searchParams.set("expires", String(expires));
  url.searchParams.set("signature", signature);
  return url.toString();
}

/** True when the signature is this method's and this attachment's, and has not expired. */
export async function verifyTransfer(
  secret: string,
  now: Date,
  request: { method: TransferMethod; attachmentId: string; expires: number; signature: string },
): Promise<boolean> {
  if (request.expires * 1000 < now.getTime()) return false;
  const expected = await hmacSha256Base64url(
    await importHmacKey(secret),
    messageOf(request.method, request.attachmentId, request.expires),
  );
  return constantTimeEqual(expected, request.signature);
}

function messageOf(method: TransferMethod, attachmentId: string, expires: number): string {
  return `tixgenius-attachment-transfer\n${method}\n${attachmentId}\n${expires}`;
}
