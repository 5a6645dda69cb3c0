import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../app-env.ts";
import { actorOf } from "../../lib/actor.ts";
import { BEARER_AUTH, jsonBody, jsonContent, problemResponses, validationHook } from "../../lib/openapi.ts";
import { authenticate } from "../../middleware/authenticate.ts";
import { rateLimit } from "../../middleware/rate-limit.ts";
import { ApiKeyList, ApiKeyListQuery, ApiKeyRef, CreateApiKey, CreatedApiKey } from "./schemas.ts";
import { createApiKey, listApiKeys, revokeApiKey } from "./service.ts";

const tags = ["API keys"];
const format =
  "Keys read `tix_<live|test>_<12 base62>_<43 base62 secret><6 base62 CRC32>` (`live` in production); " +
  "send one as `Authorization: Bearer tix_…`. ";

// Keys are managed by signed-in people only (`authenticate()` without a scope): a leaked key can
// neither mint more keys to outlive its revocation nor hide itself from its owner.
const create = createRoute({
  method: "post",
  path: "/",
  tags,
  security: BEARER_AUTH,
  summary: "Make an API key; the key is in this answer only",
  description:
    format +
    "Scopes narrow what the owner's role allows and never widen it; the owner's role and status are read on " +
    "every request. With `ownerId` an admin makes a service key for another account (an integration's own " +
    "user, with the role and teams it needs). No Idempotency-Key: a replay would keep the key in Redis.",
  middleware: [authenticate(), rateLimit("write", { by: "user", failClosed: true })],
  request: { body: jsonBody(CreateApiKey) },
  responses: {
    201: jsonContent(CreatedApiKey, "The new key, with its secret"),
    ...problemResponses(400, 401, 403, 404, 409, 413, 415, 429, 503),
  },
});

const list = createRoute({
  method: "get",
  path: "/",
  tags,
  security: BEARER_AUTH,
  summary: "API keys, newest first: your own, or every key for an admin",
  description: "Revoked and expired keys are listed too; the secret never is.",
  middleware: [authenticate(), rateLimit("read", { by: "user" })],
  request: { query: ApiKeyListQuery },
  responses: { 200: jsonContent(ApiKeyList, "A page of keys"), ...problemResponses(400, 401, 429, 503) },
});

const revoke = createRoute({
  method: "delete",
  path: "/{id}",
  tags,
  security: BEARER_AUTH,
  summary: "Revoke an API key (your own, or any for an admin); it stops working at once",
  description: "Revoking a revoked key changes nothing. Another account's key looks missing (404).",
  middleware: [authenticate(), rateLimit("write", { by: "user", failClosed: true })],
  request: { params: ApiKeyRef },
  responses: { 204: { description: "Revoked" }, ...problemResponses(400, 401, 404, 429, 503) },
});

export const apiKeysRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(create, async (c) => {
    const created = await createApiKey(c.var.deps, actorOf(c), c.req.valid("json"));
    c.header("Cache-Control", "no-store");
    return c.json(created, 201);
  })
  .openapi(list, async (c) => c.json(await listApiKeys(c.var.deps, actorOf(c), c.req.valid("query")), 200))
  .openapi(revoke, async (c) => {
    await revokeApiKey(c.var.deps, actorOf(c), c.req.valid("param").id);
    return c.body(null, 204);
  });
