import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../app-env.ts";
import { actorOf } from "../../lib/actor.ts";
import { etagOf, versionFromIfMatch } from "../../lib/etag.ts";
import {
  IdempotencyKey,
  IfMatch,
  jsonBody,
  jsonContent,
  problemResponses,
  validationHook,
} from "../../lib/openapi.ts";
import { authenticate } from "../../middleware/authenticate.ts";
import { idempotent } from "../../middleware/idempotency.ts";
import { rateLimit } from "../../middleware/rate-limit.ts";
import { bearerOrApiKey } from "../api-keys/scopes.ts";
import { deleteAttachment, restoreAttachment } from "./lifecycle.ts";
import {
  Attachment,
  AttachmentList,
  AttachmentListQuery,
  AttachmentRef,
  CreateAttachment,
  NewAttachment,
  TicketAttachmentsRef,
  TransferRequest,
} from "./schemas.ts";
import * as attachments from "./service.ts";

const tags = ["Attachments"];
const read = () => [authenticate({ scope: "tickets:read" }), rateLimit("read", { by: "user" })];
const write = () => [authenticate({ scope: "tickets:write" }), rateLimit("write", { by: "user" })];

const list = createRoute({
  method: "get",
  path: "/{id}/attachments",
  tags,
  security: bearerOrApiKey("tickets:read"),
  summary: "A ticket's files, oldest first",
  description:
    "Only completed files. Files of internal comments are left out for reporters; files of deleted comments and deleted files for everyone.",
  middleware: read(),
  request: { params: TicketAttachmentsRef, query: AttachmentListQuery },
  responses: {
    200: jsonContent(AttachmentList, "A page of files"),
    ...problemResponses(400, 401, 404, 429, 503),
  },
});

const create = createRoute({
  method: "post",
  path: "/{id}/attachments",
  tags,
  security: bearerOrApiKey("tickets:write"),
  summary: "Start uploading a file",
  description:
    "Anyone who can see the ticket may attach a file (to one of their own comments with `commentId`). Answers where to send the bytes: `upload` is a request to make as given (a presigned store URL, or the API's own signed URL), before `upload.expiresAt`; then call `…/complete`. 422 `attachment_too_large` over ATTACHMENT_MAX_BYTES, 415 for a type not accepted, 409 `attachment_limit_reached` or `ticket_attachments_too_large` when the ticket has its maximum of files or bytes.",
  middleware: [...write(), idempotent()],
  request: { params: TicketAttachmentsRef, headers: IdempotencyKey, body: jsonBody(CreateAttachment) },
  responses: {
    201: jsonContent(NewAttachment, "The reserved file and its upload request"),
    ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422, 429, 503),
  },
});

const complete = createRoute({
  method: "post",
  path: "/{id}/attachments/{attachmentId}/complete",
  tags,
  security: bearerOrApiKey("tickets:write"),
  summary: "Check an uploaded file and make it visible",
  description:
    "By the uploader. Checks the stored bytes: size (422 `size_mismatch`), SHA-256 (422 `checksum_mismatch`) and the type sniffed from the content, whatever the client declared (415 when not accepted); a file that fails is deleted and may be uploaded again. 409 `upload_missing` before the upload. Completing a completed file answers it unchanged.",
  middleware: [...write(), idempotent()],
  request: { params: AttachmentRef, headers: IdempotencyKey },
  responses: {
    200: jsonContent(Attachment, "The visible file"),
    ...problemResponses(400, 401, 404, 409, 415, 422, 429, 503),
  },
});

const show = createRoute({
  method: "get",
  path: "/{id}/attachments/{attachmentId}",
  tags,
  security: bearerOrApiKey("tickets:read"),
  summary: "A file's metadata",
  middleware: read(),
  request: { params: AttachmentRef },
  responses: { 200: jsonContent(Attachment, "The file"), ...problemResponses(400, 401, 404, 429, 503) },
});

const download = createRoute({
  method: "get",
  path: "/{id}/attachments/{attachmentId}/download",
  tags,
  security: bearerOrApiKey("tickets:read"),
  summary: "A short-lived download URL",
  description:
    "The URL answers with the sniffed Content-Type, `Content-Disposition: attachment` (or `inline` for png, jpeg, gif and webp) and `X-Content-Type-Options: nosniff` when the API serves it. It expires after ATTACHMENT_URL_TTL_SECONDS.",
  middleware: read(),
  request: { params: AttachmentRef },
  responses: {
    200: jsonContent(TransferRequest, "Where to fetch the file"),
    ...problemResponses(400, 401, 404, 429, 503),
  },
});

const remove = createRoute({
  method: "delete",
  path: "/{id}/attachments/{attachmentId}",
  tags,
  security: bearerOrApiKey("tickets:write"),
  summary: "Delete a file (soft delete: uploader, manager or admin)",
  middleware: write(),
  request: { params: AttachmentRef, headers: IfMatch },
  responses: { 204: { description: "Deleted" }, ...problemResponses(400, 401, 403, 404, 412, 429, 503) },
});

const restore = createRoute({
  method: "post",
  path: "/{id}/attachments/{attachmentId}/restore",
  tags,
  security: bearerOrApiKey("tickets:write"),
  summary: "Restore a deleted file (uploader, manager or admin)",
  middleware: [...write(), idempotent()],
  request: { params: AttachmentRef, headers: IfMatch.merge(IdempotencyKey) },
  responses: {
    200: jsonContent(Attachment, "The restored file"),
    ...problemResponses(400, 401, 404, 412, 429, 503),
  },
});

/** The API's public origin, for its own signed URLs: PUBLIC_URL, else the request's own. */
function originOf(c: Context<AppEnv>): string {
  return c.var.deps.config.PUBLIC_URL ?? new URL(c.req.url).origin;
}

const refOf = (param: { id: string; attachmentId: string }) => ({
  ticketId: param.id,
  attachmentId: param.attachmentId,
});

export const attachmentsRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(list, async (c) => {
    const page = await attachments.listAttachments(
      c.var.deps,
      actorOf(c),
      c.req.valid("param").id,
      c.req.valid("query"),
    );
    return c.json(page, 200);
  })
  .openapi(create, async (c) => {
    const created = await attachments.createAttachment(
      c.var.deps,
      actorOf(c),
      c.req.valid("param").id,
      c.req.valid("json"),
      originOf(c),
    );
    return c.json(created, 201);
  })
  .openapi(complete, async (c) => {
    const attachment = await attachments.completeAttachment(
      c.var.deps,
      actorOf(c),
      refOf(c.req.valid("param")),
    );
    c.header("ETag", etagOf(attachment.version));
    return c.json(attachment, 200);
  })
  .openapi(show, async (c) => {
    const attachment = await attachments.getAttachment(c.var.deps, actorOf(c), refOf(c.req.valid("param")));
    c.header("ETag", etagOf(attachment.version));
    return c.json(attachment, 200);
  })
  .openapi(download, async (c) => {
    const link = await attachments.linkAttachment(
      c.var.deps,
      actorOf(c),
      refOf(c.req.valid("param")),
      originOf(c),
    );
    return c.json(link, 200);
  })
  .openapi(remove, async (c) => {
    const expected = versionFromIfMatch(c.req.valid("header")["if-match"]);
    await deleteAttachment(c.var.deps, actorOf(c), refOf(c.req.valid("param")), expected);
    return c.body(null, 204);
  })
  .openapi(restore, async (c) => {
    const expected = versionFromIfMatch(c.req.valid("header")["if-match"]);
    const attachment = await restoreAttachment(c.var.deps, actorOf(c), refOf(c.req.valid("param")), expected);
    c.header("ETag", etagOf(attachment.version));
    return c.json(attachment, 200);
  });
