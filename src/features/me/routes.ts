import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../app-env.ts";
import { actorOf } from "../../lib/actor.ts";
import { etagOf } from "../../lib/etag.ts";
import { BEARER_AUTH, jsonBody, jsonContent, problemResponses, validationHook } from "../../lib/openapi.ts";
import { authenticate, authOf } from "../../middleware/authenticate.ts";
import { rateLimit } from "../../middleware/rate-limit.ts";
import { bearerOrApiKey } from "../api-keys/scopes.ts";
import { UpdateMe, User } from "../users/schemas.ts";
import { getUser, renameMe } from "../users/service.ts";

const tags = ["Me"];

const getMe = createRoute({
  method: "get",
  path: "/",
  tags,
  security: bearerOrApiKey("users:read"),
  summary: "The signed-in user",
  description: "Answers even while a password change or an email verification is pending.",
  middleware: [
    authenticate({ scope: "users:read", allowUnfinishedAccount: true }),
    rateLimit("read", { by: "user" }),
  ],
  responses: { 200: jsonContent(User, "The signed-in user"), ...problemResponses(401, 429, 503) },
});

const patchMe = createRoute({
  method: "patch",
  path: "/",
  tags,
  security: BEARER_AUTH,
  summary: "Change the signed-in user's name",
  middleware: [authenticate(), rateLimit("write", { by: "user" })],
  request: { body: jsonBody(UpdateMe) },
  responses: {
    200: jsonContent(User, "The updated user"),
    ...problemResponses(400, 401, 403, 413, 415, 429, 503),
  },
});

export const meRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(getMe, async (c) => {
    const user = await getUser(c.var.deps, authOf(c).userId);
    c.header("ETag", etagOf(user.version));
    return c.json(user, 200);
  })
  .openapi(patchMe, async (c) => {
    const user = await renameMe(c.var.deps, actorOf(c), c.req.valid("json").name);
    c.header("ETag", etagOf(user.version));
    return c.json(user, 200);
  });
