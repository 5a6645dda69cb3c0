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
import { memberRoutes } from "./member-routes.ts";
import { CreateTeam, Team, TeamList, TeamListQuery, TeamRef, UpdateTeam } from "./schemas.ts";
import * as teamsService from "./service.ts";

const tags = ["Teams"];

const list = createRoute({
  method: "get",
  path: "/",
  tags,
  security: bearerOrApiKey("teams:read"),
  summary: "List teams, newest first",
  description: "Admins and managers see every team; developers and reporters the teams they belong to.",
  middleware: [authenticate({ scope: "teams:read" }), rateLimit("read", { by: "user" })],
  request: { query: TeamListQuery },
  responses: { 200: jsonContent(TeamList, "A page of teams"), ...problemResponses(400, 401, 403, 429, 503) },
});

const create = createRoute({
  method: "post",
  path: "/",
  tags,
  security: bearerOrApiKey("teams:write"),
  summary: "Create a team",
  description: "A manager who creates a team becomes its lead.",
  middleware: [
    authenticate({ scope: "teams:write" }),
    rateLimit("write", { by: "user" }),
    requireRole("admin", "manager"),
    idempotent(),
  ],
  request: { headers: IdempotencyKey, body: jsonBody(CreateTeam) },
  responses: {
    201: jsonContent(Team, "The new team"),
    ...problemResponses(400, 401, 403, 409, 413, 415, 422, 429, 503),
  },
});

const getOne = createRoute({
  method: "get",
  path: "/{id}",
  tags,
  security: bearerOrApiKey("teams:read"),
  summary: "One team",
  description: "A team the caller may not see is 404, like a missing one.",
  middleware: [authenticate({ scope: "teams:read" }), rateLimit("read", { by: "user" })],
  request: { params: TeamRef },
  responses: { 200: jsonContent(Team, "The team"), ...problemResponses(400, 401, 403, 404, 429, 503) },
});

const update = createRoute({
  method: "patch",
  path: "/{id}",
  tags,
  security: bearerOrApiKey("teams:write"),
  summary: "Rename a team or change its description (JSON Merge Patch)",
  description: "Admins, or managers who lead the team.",
  middleware: [
    authenticate({ scope: "teams:write" }),
    rateLimit("write", { by: "user" }),
    requireRole("admin", "manager"),
  ],
  request: { params: TeamRef, headers: IfMatch, body: jsonBody(UpdateTeam) },
  responses: {
    200: jsonContent(Team, "The updated team"),
    ...problemResponses(400, 401, 403, 404, 409, 412, 413, 415, 429, 503),
  },
});

const remove = createRoute({
  method: "delete",
  path: "/{id}",
  tags,
  security: bearerOrApiKey("teams:write"),
  summary: "Delete a team without live tickets",
  description: "409 while non-deleted tickets belong to it. Admins, or managers who lead the team.",
  middleware: [
    authenticate({ scope: "teams:write" }),
    rateLimit("write", { by: "user" }),
    requireRole("admin", "manager"),
  ],
  request: { params: TeamRef, headers: IfMatch },
  responses: { 204: { description: "Deleted" }, ...problemResponses(400, 401, 403, 404, 409, 412, 429, 503) },
});

export const teamsRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(list, async (c) =>
    c.json(await teamsService.listTeams(c.var.deps, actorOf(c), c.req.valid("query")), 200),
  )
  .openapi(create, async (c) => {
    const team = await teamsService.createTeam(c.var.deps, actorOf(c), c.req.valid("json"));
    c.header("Location", `/v1/teams/${team.id}`);
    c.header("ETag", etagOf(team.version));
    return c.json(team, 201);
  })
  .openapi(getOne, async (c) => {
    const team = await teamsService.getTeam(c.var.deps, actorOf(c), c.req.valid("param").id);
    c.header("ETag", etagOf(team.version));
    return c.json(team, 200);
  })
  .openapi(update, async (c) => {
    const expectedVersion = versionFromIfMatch(c.req.valid("header")["if-match"]);
    const team = await teamsService.updateTeam(
      c.var.deps,
      actorOf(c),
      c.req.valid("param").id,
      c.req.valid("json"),
      expectedVersion,
    );
    c.header("ETag", etagOf(team.version));
    return c.json(team, 200);
  })
  .openapi(remove, async (c) => {
    const expectedVersion = versionFromIfMatch(c.req.valid("header")["if-match"]);
    await teamsService.deleteTeam(c.var.deps, actorOf(c), c.req.valid("param").id, expectedVersion);
    return c.body(null, 204);
  })
  .route("/", memberRoutes);
