import type { Config } from "../../config/schema.ts";
import type { ObjectStore } from "../../deps.ts";
import { AppError, ConflictError } from "../../lib/errors.ts";
import type { AttachmentRow } from "./queries.ts";
import { SNIFF_BYTES, type Sniffed, sniffContentType } from "./sniff.ts";

/**
 * 422, not 413: the request itself is small; what it describes is too large (413 stays the
 * answer to a body over the limit, as the transfer URL gives for bytes beyond the reservation).
 */
export function tooLarge(detail: string): AppError {
  return new AppError({
    status: 422,
    code: "attachment_too_large",
    title: "Unprocessable request",
    detail,
    errors: [{ path: "body.size", message: detail }],
  });
}

export function typeNotAllowed(contentType: string): AppError {
  return new AppError({
    status: 415,
    code: "attachment_type_not_allowed",
    title: "Unsupported media type",
    detail: `Files of type ${contentType} are not accepted here.`,
    errors: [{ path: "body.contentType", message: `${contentType} is not an allowed type` }],
  });
}

function unprocessable(code: string, detail: string): AppError {
  return new AppError({ status: 422, code, title: "Unprocessable request", detail });
}

/** The per-file limits, checked on the client's claims before anything is stored. */
export function checkDeclared(config: Config, input: { size: number; contentType: string }): void {
  if (input.size > config.ATTACHMENT_MAX_BYTES)
    throw tooLarge(`A file may have at most ${config.ATTACHMENT_MAX_BYTES} bytes.`);
  if (!config.ATTACHMENT_ALLOWED_TYPES.includes(input.contentType)) throw typeNotAllowed(input.contentType);
}

/**
 * Checks the uploaded object at `key` against its row and the limits: the size, the SHA-256 the
 * client announced (streamed through the API once, never held whole) and the type sniffed from
 * the first bytes. Throws a 4xx naming what failed; the caller deletes the object then.
 */
export async function checkObject(
  objects: ObjectStore,
  config: Config,
  row: AttachmentRow,
  key: string,
): Promise<Sniffed> {
  const head = await objects.head(key);
  if (!head) throw new ConflictError("The file has not been uploaded yet.", "upload_missing");
  if (head.size !== row.size)
    throw unprocessable("size_mismatch", `The upload has ${head.size} bytes, not the ${row.size} announced.`);
  if (head.size > config.ATTACHMENT_MAX_BYTES)
    throw tooLarge(`A file may have at most ${config.ATTACHMENT_MAX_BYTES} bytes.`);
  const sniffed = sniffContentType(await firstBytes(objects, key));
  if (!config.ATTACHMENT_ALLOWED_TYPES.includes(sniffed.contentType))
    throw typeNotAllowed(sniffed.contentType);
  if ((await objects.sha256(key)) !== row.sha256)
    throw unprocessable("checksum_mismatch", "The upload's SHA-256 is not the one announced.");
  return sniffed;
}

async function firstBytes(objects: ObjectStore, key: string): Promise<Uint8Array> {
  const object = await objects.get(key, { offset: 0, length: SNIFF_BYTES });
  if (!object) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of object.body as unknown as AsyncIterable<Uint8Array>) {
    chunks.push(chunk);
    length += chunk.byteLength;
  }
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes.subarray(0, SNIFF_BYTES);
}
