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
import { CreateUser, UpdateUser, User, UserList, UserListQuery, UserRef } from "./schemas.ts";
import * as usersService from "./service.ts";

const tags = ["Users"];
const list = createRoute({
  method: "get",
  path: "/",
  tags,
  security: bearerOrApiKey("users:read"),
  summary: "List users, newest first",
  middleware: [
    authenticate({ scope: "users:read" }),
    rateLimit("read", { by: "user" }),
    requireRole("admin", "manager"),
  ],
  request: { query: UserListQuery },
  responses: { 200: jsonContent(UserList, "A page of users"), ...problemResponses(400, 401, 403, 429, 503) },
});

const create = createRoute({
  method: "post",
  path: "/",
  tags,
  security: bearerOrApiKey("users:write"),
  summary: "Create a user with a role",
  description:
    "The person must change the password chosen here at their next sign-in: until then every route but the password change, GET /v1/me and sign-out answers 403 `password_change_required`. Inviting (POST /v1/invitations) lets them choose it themselves.",
  middleware: [
    authenticate({ scope: "users:write" }),
    rateLimit("write", { by: "user" }),
    requireRole("admin"),
    idempotent(),
  ],
  request: { headers: IdempotencyKey, body: jsonBody(CreateUser) },
  responses: {
    201: jsonContent(User, "The new user"),
    ...problemResponses(400, 401, 403, 409, 413, 415, 422, 429, 503),
  },
});

const getOne = createRoute({
  method: "get",
  path: "/{id}",
  tags,
  security: bearerOrApiKey("users:read"),
  summary: "One user",
  middleware: [
    authenticate({ scope: "users:read" }),
    rateLimit("read", { by: "user" }),
    requireRole("admin", "manager"),
  ],
  request: { params: UserRef },
  responses: { 200: jsonContent(User, "The user"), ...problemResponses(400, 401, 403, 404, 429, 503) },
});

const update = createRoute({
  method: "patch",
  path: "/{id}",
  tags,
  security: bearerOrApiKey("users:write"),
  summary: "Change a user's name, role or status",
  description:
    "Disabling ends every session of the user at once (audited as `session.revoked` on the user, " +
    "besides `user.updated`); a role change applies to their next request.",
  middleware: [
    authenticate({ scope: "users:write" }),
    rateLimit("write", { by: "user" }),
    requireRole("admin"),
  ],
  request: { params: UserRef, headers: IfMatch, body: jsonBody(UpdateUser) },
  responses: {
    200: jsonContent(User, "The updated user"),
    ...problemResponses(400, 401, 403, 404, 409, 412, 413, 415, 429, 503),
  },
});

const endSessions = createRoute({
  method: "delete",
  path: "/{id}/sessions",
  tags,
  security: bearerOrApiKey("users:write"),
  summary: "End every session of a user, who stays active and may sign in again",
  description: "Audited as `session.revoked` on the user. Their open event streams end too.",
  middleware: [
    authenticate({ scope: "users:write" }),
    rateLimit("write", { by: "user", failClosed: true }),
    requireRole("admin"),
  ],
  request: { params: UserRef },
  responses: {
    204: { description: "Every session of the user ended" },
    ...problemResponses(400, 401, 403, 404, 429, 503),
  },
});

export const usersRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(list, async (c) => c.json(await usersService.listUsers(c.var.deps, c.req.valid("query")), 200))
  .openapi(create, async (c) => {
    const user = await usersService.createUser(c.var.deps, actorOf(c), c.req.valid("json"));
    c.header("Location", `/v1/users/${user.id}`);
    c.header("ETag", etagOf(user.version));
    return c.json(user, 201);
  })
  .openapi(getOne, async (c) => {
    const user = await usersService.getUser(c.var.deps, c.req.valid("param").id);
    c.header("ETag", etagOf(user.version));
    return c.json(user, 200);
  })
  .openapi(update, async (c) => {
    const expectedVersion = versionFromIfMatch(c.req.valid("header")["if-match"]);
    const user = await usersService.updateUser(
      c.var.deps,
      actorOf(c),
      c.req.valid("param").id,
      c.req.valid("json"),
      expectedVersion,
    );
    c.header("ETag", etagOf(user.version));
    return c.json(user, 200);
  })
  .openapi(endSessions, async (c) => {
    await usersService.endSessionsOf(c.var.deps, actorOf(c), c.req.valid("param").id);
    return c.body(null, 204);
  });
