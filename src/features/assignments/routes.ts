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
import { requireRole } from "../../middleware/require-role.ts";
import { bearerOrApiKey } from "../api-keys/scopes.ts";
import {
  Assign,
  AssignmentHistory,
  AssignmentHistoryQuery,
  AssignmentResult,
  AssignmentSuggestions,
  AssignmentTicketRef,
} from "./schemas.ts";
import * as assignments from "./service.ts";

const tags = ["Assignment"];

const suggestions = createRoute({
  method: "get",
  path: "/{id}/assignment/suggestions",
  tags,
  security: bearerOrApiKey("tickets:read"),
  summary: "The ticket's team ranked for this ticket, with the score explained",
  description:
    "Admins, managers leading the ticket's team and developers of the team. See `explanation` for the formula.",
  middleware: [
    authenticate({ scope: "tickets:read" }),
    rateLimit("read", { by: "user" }),
    requireRole("admin", "manager", "developer"),
  ],
  request: { params: AssignmentTicketRef },
  responses: {
    200: jsonContent(AssignmentSuggestions, "Ranked candidates and excluded developers"),
    ...problemResponses(400, 401, 403, 404, 409, 429, 503),
  },
});

const assign = createRoute({
  method: "post",
  path: "/{id}/assignment",
  tags,
  security: bearerOrApiKey("tickets:write"),
  summary: "Assign the ticket (someone, yourself, or the top suggestion)",
  description:
    "Managers leading the ticket's team and admins assign any developer of the team or use `auto`; a developer of the team assigns themself. Capacity is never exceeded (409 `at_capacity`).",
  middleware: [
    authenticate({ scope: "tickets:write" }),
    rateLimit("write", { by: "user" }),
    requireRole("admin", "manager", "developer"),
    idempotent(),
  ],
  request: {
    params: AssignmentTicketRef,
    headers: IfMatch.extend(IdempotencyKey.shape),
    body: jsonBody(Assign),
  },
  responses: {
    200: jsonContent(AssignmentResult, "The ticket and the history entry written"),
    ...problemResponses(400, 401, 403, 404, 409, 412, 413, 415, 422, 429, 503),
  },
});

const unassign = createRoute({
  method: "delete",
  path: "/{id}/assignment",
  tags,
  security: bearerOrApiKey("tickets:write"),
  summary: "Unassign the ticket",
  description: "Managers leading the ticket's team, admins, or the current assignee.",
  middleware: [
    authenticate({ scope: "tickets:write" }),
    rateLimit("write", { by: "user" }),
    requireRole("admin", "manager", "developer"),
  ],
  request: { params: AssignmentTicketRef, headers: IfMatch },
  responses: {
    200: jsonContent(AssignmentResult, "The ticket and the history entry written"),
    ...problemResponses(400, 401, 403, 404, 409, 412, 429, 503),
  },
});

const history = createRoute({
  method: "get",
  path: "/{id}/assignment/history",
  tags,
  security: bearerOrApiKey("tickets:read"),
  summary: "Every assignment change of the ticket, newest first",
  middleware: [authenticate({ scope: "tickets:read" }), rateLimit("read", { by: "user" })],
  request: { params: AssignmentTicketRef, query: AssignmentHistoryQuery },
  responses: {
    200: jsonContent(AssignmentHistory, "A page of assignment changes"),
    ...problemResponses(400, 401, 403, 404, 429, 503),
  },
});

export const assignmentsRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(suggestions, async (c) =>
    c.json(await assignments.suggestAssignees(c.var.deps, actorOf(c), c.req.valid("param").id), 200),
  )
  .openapi(assign, async (c) => {
    const result = await assignments.assignTicket(
      c.var.deps,
      actorOf(c),
      c.req.valid("param").id,
      c.req.valid("json"),
      versionFromIfMatch(c.req.valid("header")["if-match"]),
    );
    c.header("ETag", etagOf(result.ticket.version));
    return c.json(result, 200);
  })
  .openapi(unassign, async (c) => {
    const result = await assignments.unassignTicket(
      c.var.deps,
      actorOf(c),
      c.req.valid("param").id,
      versionFromIfMatch(c.req.valid("header")["if-match"]),
    );
    c.header("ETag", etagOf(result.ticket.version));
    return c.json(result, 200);
  })
  .openapi(history, async (c) =>
    c.json(
      await assignments.listAssignmentHistory(
        c.var.deps,
        actorOf(c),
        c.req.valid("param").id,
        c.req.valid("query"),
      ),
      200,
    ),
  );
