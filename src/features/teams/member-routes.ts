import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../app-env.ts";
import { actorOf } from "../../lib/actor.ts";
import { jsonBody, jsonContent, problemResponses, validationHook } from "../../lib/openapi.ts";
import { authenticate } from "../../middleware/authenticate.ts";
import { rateLimit } from "../../middleware/rate-limit.ts";
import { requireRole } from "../../middleware/require-role.ts";
import { bearerOrApiKey } from "../api-keys/scopes.ts";
import * as members from "./members.ts";
import { MemberRef, PutTeamMember, TeamListQuery, TeamMember, TeamMemberList, TeamRef } from "./schemas.ts";

const tags = ["Teams"];

const list = createRoute({
  method: "get",
  path: "/{id}/members",
  tags,
  security: bearerOrApiKey("teams:read"),
  summary: "Members of a team, by user id",
  description: "Visible to whoever can see the team.",
  middleware: [authenticate({ scope: "teams:read" }), rateLimit("read", { by: "user" })],
  request: { params: TeamRef, query: TeamListQuery },
  responses: {
    200: jsonContent(TeamMemberList, "A page of members"),
    ...problemResponses(400, 401, 403, 404, 429, 503),
  },
});

const put = createRoute({
  method: "put",
  path: "/{id}/members/{userId}",
  tags,
  security: bearerOrApiKey("teams:write"),
  summary: "Add a member or change their team role",
  description: "201 when the user joined, 200 when their role was changed (or already was this one).",
  middleware: [
    authenticate({ scope: "teams:write" }),
    rateLimit("write", { by: "user" }),
    requireRole("admin", "manager"),
  ],
  request: { params: MemberRef, body: jsonBody(PutTeamMember) },
  responses: {
    200: jsonContent(TeamMember, "The member, role changed"),
    201: jsonContent(TeamMember, "The new member"),
    ...problemResponses(400, 401, 403, 404, 413, 415, 429, 503),
  },
});

const remove = createRoute({
  method: "delete",
  path: "/{id}/members/{userId}",
  tags,
  security: bearerOrApiKey("teams:write"),
  summary: "Remove a member from a team",
  middleware: [
    authenticate({ scope: "teams:write" }),
    rateLimit("write", { by: "user" }),
    requireRole("admin", "manager"),
  ],
  request: { params: MemberRef },
  responses: { 204: { description: "Removed" }, ...problemResponses(400, 401, 403, 404, 429, 503) },
});

export const memberRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(list, async (c) =>
    c.json(
      await members.listMembers(c.var.deps, actorOf(c), c.req.valid("param").id, c.req.valid("query")),
      200,
    ),
  )
  .openapi(put, async (c) => {
    const { id, userId } = c.req.valid("param");
    const { member, created } = await members.putMember(
      c.var.deps,
      actorOf(c),
      id,
      userId,
      c.req.valid("json").role,
    );
    return created ? c.json(member, 201) : c.json(member, 200);
  })
  .openapi(remove, async (c) => {
    const { id, userId } = c.req.valid("param");
    await members.removeMember(c.var.deps, actorOf(c), id, userId);
    return c.body(null, 204);
  });
