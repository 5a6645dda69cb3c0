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
import { bearerOrApiKey, type Scope } from "../api-keys/scopes.ts";
import { listTicketActivity } from "./activity.ts";
import { listTickets } from "./list.ts";
import { TicketActivityList, TicketActivityQuery, TicketList, TicketListQuery } from "./list-schemas.ts";
import { CreateTicket, Ticket, TicketRef, UpdateTicket } from "./schemas.ts";
import { createTicket, deleteTicket, getTicket, restoreTicket } from "./service.ts";
import { updateTicket } from "./update.ts";

const tags = ["Tickets"];
const read = (scope: Scope) => [authenticate({ scope }), rateLimit("read", { by: "user" })];
const write = (scope: Scope) => [authenticate({ scope }), rateLimit("write", { by: "user" })];

const list = createRoute({
  method: "get",
  path: "/",
  tags,
  security: bearerOrApiKey("tickets:read"),
  summary: "Tickets you can see, filtered, searched and sorted",
  description:
    "Filters combine with AND; `status`, `priority` and `tag` take comma-separated lists. `q` ranks by relevance unless `sort` is given. Cursors belong to one sort order.",
  middleware: read("tickets:read"),
  request: { query: TicketListQuery },
  responses: { 200: jsonContent(TicketList, "A page of tickets"), ...problemResponses(400, 401, 429, 503) },
});

const create = createRoute({
  method: "post",
  path: "/",
  tags,
  security: bearerOrApiKey("tickets:write"),
  summary: "Report a ticket",
  description:
    "Team: `teamId` if given (not for reporters), else the category's default team. SLA due dates come from the priority's policy.",
  middleware: [...write("tickets:write"), idempotent()],
  request: { headers: IdempotencyKey, body: jsonBody(CreateTicket) },
  responses: {
    201: jsonContent(Ticket, "The new ticket"),
    ...problemResponses(400, 401, 403, 409, 413, 415, 422, 429, 503),
  },
});

const getOne = createRoute({
  method: "get",
  path: "/{id}",
  tags,
  security: bearerOrApiKey("tickets:read"),
  summary: "One ticket",
  description: "404 for a ticket you cannot see, exactly as for a missing one.",
  middleware: read("tickets:read"),
  request: { params: TicketRef },
  responses: { 200: jsonContent(Ticket, "The ticket"), ...problemResponses(400, 401, 404, 429, 503) },
});

const update = createRoute({
  method: "patch",
  path: "/{id}",
  tags,
  security: bearerOrApiKey("tickets:write"),
  summary: "Edit a ticket or move it through the workflow (JSON Merge Patch)",
  description: [
    "Who may change what: admins and managers of the ticket's team everything (a manager moves it only into teams they lead);",
    "developers of the ticket's team title, description, priority, category, tags and due date;",
    "the assignee the status (every step but reopening a closed ticket);",
    "the reporter title and description while it is open, resolved → closed, and closed → open within REOPEN_WINDOW_DAYS.",
    "Fields you may not change are a 403 naming each of them; a step the workflow lacks is a 409 listing the allowed ones.",
    "A step back into the open statuses (resolved → in_progress, closed → open) of an assigned ticket takes a slot of the assignee's capacity: 409 `at_capacity` when none is free (unassign or reassign first).",
    "A priority change recomputes the SLA due dates from createdAt unless the patch sets them. The assignee is changed through /assignment.",
  ].join(" "),
  middleware: write("tickets:write"),
  request: { params: TicketRef, headers: IfMatch, body: jsonBody(UpdateTicket) },
  responses: {
    200: jsonContent(Ticket, "The updated ticket"),
    ...problemResponses(400, 401, 403, 404, 409, 412, 413, 415, 429, 503),
  },
});

const remove = createRoute({
  method: "delete",
  path: "/{id}",
  tags,
  security: bearerOrApiKey("tickets:write"),
  summary: "Soft-delete a ticket (manager of its team, or admin)",
  middleware: [...write("tickets:write"), requireRole("admin", "manager")],
  request: { params: TicketRef, headers: IfMatch },
  responses: { 204: { description: "Deleted" }, ...problemResponses(400, 401, 403, 404, 409, 412, 429, 503) },
});

const restore = createRoute({
  method: "post",
  path: "/{id}/restore",
  tags,
  security: bearerOrApiKey("tickets:write"),
  summary: "Restore a soft-deleted ticket (manager of its team, or admin)",
  description:
    "An assigned ticket in an open status comes back into its assignee's load: 409 `at_capacity` when they have no free slot (free one of theirs first: a deleted ticket cannot be unassigned). 409 `ticket_not_deleted` for a ticket that is not deleted.",
  middleware: [...write("tickets:write"), requireRole("admin", "manager"), idempotent()],
  request: { params: TicketRef, headers: IfMatch.merge(IdempotencyKey) },
  responses: {
    200: jsonContent(Ticket, "The restored ticket"),
    ...problemResponses(400, 401, 403, 404, 409, 412, 422, 429, 503),
  },
});

const activity = createRoute({
  method: "get",
  path: "/{id}/activity",
  tags,
  security: bearerOrApiKey("tickets:read"),
  summary: "A ticket's history, newest first",
  description: "The ticket's and its comments' audit rows; reporters never see internal comments' rows.",
  middleware: read("tickets:read"),
  request: { params: TicketRef, query: TicketActivityQuery },
  responses: {
    200: jsonContent(TicketActivityList, "A page of history"),
    ...problemResponses(400, 401, 404, 429, 503),
  },
});

export const ticketsRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(list, async (c) => c.json(await listTickets(c.var.deps, actorOf(c), c.req.valid("query")), 200))
  .openapi(create, async (c) => {
    const ticket = await createTicket(c.var.deps, actorOf(c), c.req.valid("json"));
    c.header("Location", `/v1/tickets/${ticket.id}`);
    c.header("ETag", etagOf(ticket.version));
    return c.json(ticket, 201);
  })
  .openapi(getOne, async (c) => {
    const ticket = await getTicket(c.var.deps, actorOf(c), c.req.valid("param").id);
    c.header("ETag", etagOf(ticket.version));
    return c.json(ticket, 200);
  })
  .openapi(update, async (c) => {
    const expectedVersion = versionFromIfMatch(c.req.valid("header")["if-match"]);
    const { assigneeId: _refused, ...patch } = c.req.valid("json");
    const ticket = await updateTicket(
      c.var.deps,
      actorOf(c),
      c.req.valid("param").id,
      patch,
      expectedVersion,
    );
    c.header("ETag", etagOf(ticket.version));
    return c.json(ticket, 200);
  })
  .openapi(remove, async (c) => {
    const expectedVersion = versionFromIfMatch(c.req.valid("header")["if-match"]);
    await deleteTicket(c.var.deps, actorOf(c), c.req.valid("param").id, expectedVersion);
    return c.body(null, 204);
  })
  .openapi(restore, async (c) => {
    const expectedVersion = versionFromIfMatch(c.req.valid("header")["if-match"]);
    const ticket = await restoreTicket(c.var.deps, actorOf(c), c.req.valid("param").id, expectedVersion);
    c.header("ETag", etagOf(ticket.version));
    return c.json(ticket, 200);
  })
  .openapi(activity, async (c) =>
    c.json(
      await listTicketActivity(c.var.deps, actorOf(c), c.req.valid("param").id, c.req.valid("query")),
      200,
    ),
  );
