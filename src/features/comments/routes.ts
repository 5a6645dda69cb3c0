import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
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
import {
  Comment,
  CommentList,
  CommentListQuery,
  CommentRef,
  CreateComment,
  TicketCommentsRef,
  UpdateComment,
} from "./schemas.ts";
import * as commentsService from "./service.ts";

const tags = ["Comments"];

const list = createRoute({
  method: "get",
  path: "/{id}/comments",
  tags,
  security: bearerOrApiKey("tickets:read"),
  summary: "A ticket's comments, oldest first",
  description: "Internal comments are left out for reporters; deleted comments are left out for everyone.",
  middleware: [authenticate({ scope: "tickets:read" }), rateLimit("read", { by: "user" })],
  request: { params: TicketCommentsRef, query: CommentListQuery },
  responses: {
    200: jsonContent(CommentList, "A page of comments"),
    ...problemResponses(400, 401, 403, 404, 429, 503),
  },
});

const create = createRoute({
  method: "post",
  path: "/{id}/comments",
  tags,
  security: bearerOrApiKey("comments:write"),
  summary: "Comment on a ticket",
  description: "Anyone who can see the ticket may comment; reporters only with `public` visibility.",
  middleware: [authenticate({ scope: "comments:write" }), rateLimit("write", { by: "user" }), idempotent()],
  request: { params: TicketCommentsRef, headers: IdempotencyKey, body: jsonBody(CreateComment) },
  responses: {
    201: jsonContent(Comment, "The new comment"),
    ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422, 429, 503),
  },
});

const update = createRoute({
  method: "patch",
  path: "/{id}/comments/{commentId}",
  tags,
  security: bearerOrApiKey("comments:write"),
  summary: "Edit your comment",
  middleware: [authenticate({ scope: "comments:write" }), rateLimit("write", { by: "user" })],
  request: { params: CommentRef, headers: IfMatch, body: jsonBody(UpdateComment) },
  responses: {
    200: jsonContent(Comment, "The edited comment"),
    ...problemResponses(400, 401, 403, 404, 412, 413, 415, 429, 503),
  },
});

const remove = createRoute({
  method: "delete",
  path: "/{id}/comments/{commentId}",
  tags,
  security: bearerOrApiKey("comments:write"),
  summary: "Delete your comment (soft delete)",
  middleware: [authenticate({ scope: "comments:write" }), rateLimit("write", { by: "user" })],
  request: { params: CommentRef, headers: IfMatch },
  responses: { 204: { description: "Deleted" }, ...problemResponses(400, 401, 403, 404, 412, 429, 503) },
});

export const commentsRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(list, async (c) => {
    const page = await commentsService.listComments(
      c.var.deps,
      actorOf(c),
      c.req.valid("param").id,
      c.req.valid("query"),
    );
    return c.json(page, 200);
  })
  .openapi(create, async (c) => {
    const ticketId = c.req.valid("param").id;
    const comment = await commentsService.createComment(
      c.var.deps,
      actorOf(c),
      ticketId,
      c.req.valid("json"),
    );
    c.header("ETag", etagOf(comment.version));
    return c.json(comment, 201);
  })
  .openapi(update, async (c) => {
    const { id, commentId } = c.req.valid("param");
    const comment = await commentsService.updateComment(
      c.var.deps,
      actorOf(c),
      { ticketId: id, commentId },
      c.req.valid("json").body,
      versionFromIfMatch(c.req.valid("header")["if-match"]),
    );
    c.header("ETag", etagOf(comment.version));
    return c.json(comment, 200);
  })
  .openapi(remove, async (c) => {
    const { id, commentId } = c.req.valid("param");
    await commentsService.deleteComment(
      c.var.deps,
      actorOf(c),
      { ticketId: id, commentId },
      versionFromIfMatch(c.req.valid("header")["if-match"]),
    );
    return c.body(null, 204);
  });
