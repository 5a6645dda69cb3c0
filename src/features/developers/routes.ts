import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../app-env.ts";
import { actorOf } from "../../lib/actor.ts";
import { etagOf, versionFromIfMatch } from "../../lib/etag.ts";
import { IfMatch, jsonBody, jsonContent, problemResponses, validationHook } from "../../lib/openapi.ts";
import { authenticate } from "../../middleware/authenticate.ts";
import { rateLimit } from "../../middleware/rate-limit.ts";
import { requireRole } from "../../middleware/require-role.ts";
import { bearerOrApiKey } from "../api-keys/scopes.ts";
import { listDevelopers } from "./list.ts";
import {
  DeveloperList,
  DeveloperListQuery,
  DeveloperProfile,
  DeveloperRef,
  PutDeveloperProfile,
} from "./schemas.ts";
import * as profiles from "./service.ts";

const tags = ["Developers"];
const STAFF = ["admin", "manager", "developer"] as const;

const list = createRoute({
  method: "get",
  path: "/",
  tags,
  security: bearerOrApiKey("teams:read"),
  summary: "List active developers with their profile and current open load, by user id",
  description:
    "`openLoad` counts assigned tickets that are open, in progress or blocked. Developers without a stored profile show the defaults and `profileVersion: null`.",
  middleware: [
    authenticate({ scope: "teams:read" }),
    rateLimit("read", { by: "user" }),
    requireRole(...STAFF),
  ],
  request: { query: DeveloperListQuery },
  responses: {
    200: jsonContent(DeveloperList, "A page of developers"),
    ...problemResponses(400, 401, 403, 429, 503),
  },
});

const getProfile = createRoute({
  method: "get",
  path: "/{userId}/profile",
  tags,
  security: bearerOrApiKey("teams:read"),
  summary: "A developer's profile",
  description: "404 for unknown users, users who are not developers and developers without a profile yet.",
  middleware: [
    authenticate({ scope: "teams:read" }),
    rateLimit("read", { by: "user" }),
    requireRole(...STAFF),
  ],
  request: { params: DeveloperRef },
  responses: {
    200: jsonContent(DeveloperProfile, "The profile"),
    ...problemResponses(400, 401, 403, 404, 429, 503),
  },
});

const putProfile = createRoute({
  method: "put",
  path: "/{userId}/profile",
  tags,
  security: bearerOrApiKey("teams:write"),
  summary: "Create or replace a developer's profile",
  description:
    "201 on the first PUT, 200 afterwards. Admins edit every profile, managers the profiles of developers in a team they lead (403 `not_team_lead` otherwise), every field; a developer only their own `availability` and `timezone` (other fields are 403, named in `errors`). The user must have the developer role (409 otherwise).",
  middleware: [
    authenticate({ scope: "teams:write" }),
    rateLimit("write", { by: "user" }),
    requireRole(...STAFF),
  ],
  request: { params: DeveloperRef, headers: IfMatch, body: jsonBody(PutDeveloperProfile) },
  responses: {
    200: jsonContent(DeveloperProfile, "The replaced profile"),
    201: jsonContent(DeveloperProfile, "The new profile"),
    ...problemResponses(400, 401, 403, 404, 409, 412, 413, 415, 429, 503),
  },
});

export const developersRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(list, async (c) => c.json(await listDevelopers(c.var.deps, c.req.valid("query")), 200))
  .openapi(getProfile, async (c) => {
    const profile = await profiles.getProfile(c.var.deps, c.req.valid("param").userId);
    c.header("ETag", etagOf(profile.version));
    return c.json(profile, 200);
  })
  .openapi(putProfile, async (c) => {
    const expectedVersion = versionFromIfMatch(c.req.valid("header")["if-match"]);
    const { userId } = c.req.valid("param");
    const { profile, created } = await profiles.putProfile(
      c.var.deps,
      actorOf(c),
      userId,
      c.req.valid("json"),
      expectedVersion,
    );
    c.header("ETag", etagOf(profile.version));
    if (!created) return c.json(profile, 200);
    c.header("Location", `/v1/developers/${userId}/profile`);
    return c.json(profile, 201);
  });
