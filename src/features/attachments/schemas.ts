import { z } from "@hono/zod-openapi";
import { ListQuery, listOf } from "../../lib/list.ts";

/** Every type the sniffer names (src/features/attachments/sniff.ts); config picks the allowed ones. */
export const KNOWN_CONTENT_TYPES = [
  "image/png",
  "image/jpeg",
  "image/gif",
  "image/webp",
  "image/svg+xml",
  "application/pdf",
  "application/zip",
  "application/gzip",
  "application/xml",
  "text/html",
  "text/plain",
  "application/octet-stream",
] as const;

/** The hard ceiling of ATTACHMENT_MAX_BYTES; the configured limit is usually far lower. */
export const ATTACHMENT_SIZE_CEILING = 5 * 1024 ** 3;

/** No control characters, slashes or backslashes, and not blank (it is trimmed first). */
const NAME_CHAR = "[^\\u0000-\\u001f\\u007f/\\\\]";
const FILE_NAME = `^${NAME_CHAR}*[^\\s\\u0000-\\u001f\\u007f/\\\\]${NAME_CHAR}*$`;

export const Attachment = z
  .object({
    id: z.uuid(),
    ticketId: z.uuid(),
    commentId: z.union([z.uuid(), z.null()]),
    uploader: z.object({ id: z.uuid(), name: z.string() }),
    name: z.string(),
    size: z.number().int(),
    sha256: z.string().openapi({ description: "Hex SHA-256 of the bytes, checked by the server" }),
    contentType: z.union([z.string(), z.null()]).openapi({
      description: "Sniffed from the bytes at completion (null while pending); never the client's claim",
    }),
    disposition: z.enum(["inline", "attachment"]).openapi({
      description: "`inline` only for png, jpeg, gif and webp; everything else downloads",
    }),
    width: z.union([z.number().int(), z.null()]),
    height: z.union([z.number().int(), z.null()]),
    status: z.enum(["pending", "ready"]),
    createdAt: z.iso.datetime(),
    completedAt: z.union([z.iso.datetime(), z.null()]),
    deletedAt: z.union([z.iso.datetime(), z.null()]),
    version: z.number().int(),
  })
  .openapi("Attachment");
export type Attachment = z.infer<typeof Attachment>;

export const AttachmentList = listOf(Attachment, "AttachmentList");

/** A request the client sends itself, with exactly these headers. */
export const TransferRequest = z
  .object({
    method: z.enum(["PUT", "GET"]),
    url: z.url(),
    headers: z.record(z.string(), z.string()),
    expiresAt: z.iso.datetime(),
  })
  .openapi("TransferRequest");

export const NewAttachment = z
  .object({ attachment: Attachment, upload: TransferRequest })
  .openapi("NewAttachment");

export const CreateAttachment = z
  .object({
    name: z
      .string()
      .trim()
      .min(1)
      .max(255)
      .regex(new RegExp(FILE_NAME), { error: "no control characters, slashes or backslashes" })
      .openapi({ example: "screenshot.png", pattern: FILE_NAME }),
    size: z.number().int().min(1).max(ATTACHMENT_SIZE_CEILING).openapi({
      description: "Bytes; at most ATTACHMENT_MAX_BYTES (422 above it)",
      example: 48213,
    }),
    contentType: z.enum(KNOWN_CONTENT_TYPES).openapi({
      description:
        "What the client believes; checked against the allowed types now (415) and replaced by the sniffed type at completion",
    }),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, { error: "64 lower-case hex digits" })
      .openapi({
        description: "Hex SHA-256 of the file; completion fails on a mismatch",
        pattern: "^[0-9a-f]{64}$",
      }),
    commentId: z.uuid().optional().openapi({ description: "Attach to one of your comments on this ticket" }),
  })
  .strict()
  .openapi("CreateAttachment");
export type CreateAttachment = z.output<typeof CreateAttachment>;

export const TicketAttachmentsRef = z.object({
  id: z.uuid().openapi({ param: { name: "id", in: "path" }, description: "Ticket id" }),
});

export const AttachmentRef = TicketAttachmentsRef.extend({
  attachmentId: z.uuid().openapi({ param: { name: "attachmentId", in: "path" } }),
});

export const AttachmentListQuery = ListQuery;
