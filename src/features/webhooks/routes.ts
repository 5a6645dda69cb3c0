import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../app-env.ts";
import { actorOf } from "../../lib/actor.ts";
import { etagOf, versionFromIfMatch } from "../../lib/etag.ts";
import { IfMatch, jsonBody, jsonContent, problemResponses, validationHook } from "../../lib/openapi.ts";
import { authenticate } from "../../middleware/authenticate.ts";
import { rateLimit } from "../../middleware/rate-limit.ts";
import { requireRole } from "../../middleware/require-role.ts";
import { bearerOrApiKey } from "../api-keys/scopes.ts";
import { deliveryRoutes } from "./delivery-routes.ts";
import {
  CreateWebhookEndpoint,
  RotatedSecret,
  UpdateWebhookEndpoint,
  WebhookEndpoint,
  WebhookEndpointList,
  WebhookEndpointWithSecret,
  WebhookListQuery,
  WebhookRef,
} from "./schemas.ts";
import * as webhooksService from "./service.ts";

const tags = ["Webhooks"];
const TEAM_RULE =
  "Admins manage every endpoint; a manager manages the endpoints filtered to a team they lead (others look missing, 404).";

const list = createRoute({
  method: "get",
  path: "/",
  tags,
  security: bearerOrApiKey("webhooks:manage"),
  summary: "List webhook endpoints, newest first",
  description: TEAM_RULE,
  middleware: [
    authenticate({ scope: "webhooks:manage" }),
    rateLimit("read", { by: "user" }),
    requireRole("admin", "manager"),
  ],
  request: { query: WebhookListQuery },
  responses: {
    200: jsonContent(WebhookEndpointList, "A page of endpoints"),
    ...problemResponses(400, 401, 403, 429, 503),
  },
});

const create = createRoute({
  method: "post",
  path: "/",
  tags,
  security: bearerOrApiKey("webhooks:manage"),
  summary: "Create a webhook endpoint (its signing secret is shown once)",
  description: `${TEAM_RULE} A manager must set \`teamId\` to a team they lead (403 \`not_team_lead\`); only admins may set \`includeInternalComments\` (403 \`admin_only\`).`,
  middleware: [
    authenticate({ scope: "webhooks:manage" }),
    rateLimit("write", { by: "user" }),
    requireRole("admin", "manager"),
  ],
  request: { body: jsonBody(CreateWebhookEndpoint) },
  responses: {
    201: jsonContent(WebhookEndpointWithSecret, "The new endpoint with its signing secret"),
    ...problemResponses(400, 401, 403, 413, 415, 422, 429, 503),
  },
});

const getOne = createRoute({
  method: "get",
  path: "/{id}",
  tags,
  security: bearerOrApiKey("webhooks:manage"),
  summary: "One webhook endpoint",
  description: TEAM_RULE,
  middleware: [
    authenticate({ scope: "webhooks:manage" }),
    rateLimit("read", { by: "user" }),
    requireRole("admin", "manager"),
  ],
  request: { params: WebhookRef },
  responses: {
    200: jsonContent(WebhookEndpoint, "The endpoint"),
    ...problemResponses(400, 401, 403, 404, 429, 503),
  },
});

const update = createRoute({
  method: "patch",
  path: "/{id}",
  tags,
  security: bearerOrApiKey("webhooks:manage"),
  summary: "Change a webhook endpoint (JSON Merge Patch)",
  description: `${TEAM_RULE} Enabling an endpoint the server disabled clears its \`disabledReason\`.`,
  middleware: [
    authenticate({ scope: "webhooks:manage" }),
    rateLimit("write", { by: "user" }),
    requireRole("admin", "manager"),
  ],
  request: { params: WebhookRef, headers: IfMatch, body: jsonBody(UpdateWebhookEndpoint) },
  responses: {
    200: jsonContent(WebhookEndpoint, "The updated endpoint"),
    ...problemResponses(400, 401, 403, 404, 412, 413, 415, 422, 429, 503),
  },
});

const remove = createRoute({
  method: "delete",
  path: "/{id}",
  tags,
  security: bearerOrApiKey("webhooks:manage"),
  summary: "Delete a webhook endpoint and its delivery log",
  description: TEAM_RULE,
  middleware: [
    authenticate({ scope: "webhooks:manage" }),
    rateLimit("write", { by: "user" }),
    requireRole("admin", "manager"),
  ],
  request: { params: WebhookRef, headers: IfMatch },
  responses: { 204: { description: "Deleted" }, ...problemResponses(400, 401, 403, 404, 412, 429, 503) },
});

const rotate = createRoute({
  method: "post",
  path: "/{id}/rotate-secret",
  tags,
  security: bearerOrApiKey("webhooks:manage"),
  summary: "Rotate the signing secret",
  description: `${TEAM_RULE} The new secret is shown once. Until \`previousSecretExpiresAt\` (WEBHOOK_SECRET_OVERLAP_HOURS) every delivery carries a signature with each secret.`,
  middleware: [
    authenticate({ scope: "webhooks:manage" }),
    rateLimit("write", { by: "user" }),
    requireRole("admin", "manager"),
  ],
  request: { params: WebhookRef },
  responses: {
    200: jsonContent(RotatedSecret, "The new secret"),
    ...problemResponses(400, 401, 403, 404, 429, 503),
  },
});

export const webhooksRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(list, async (c) =>
    c.json(await webhooksService.listEndpoints(c.var.deps, actorOf(c), c.req.valid("query")), 200),
  )
  .openapi(create, async (c) => {
    const endpoint = await webhooksService.createEndpoint(c.var.deps, actorOf(c), c.req.valid("json"));
    c.header("Location", `/v1/webhooks/${endpoint.id}`);
    c.header("ETag", etagOf(endpoint.version));
    c.header("Cache-Control", "no-store");
    return c.json(endpoint, 201);
  })
  .openapi(getOne, async (c) => {
    const endpoint = await webhooksService.getEndpoint(c.var.deps, actorOf(c), c.req.valid("param").id);
    c.header("ETag", etagOf(endpoint.version));
    return c.json(endpoint, 200);
  })
  .openapi(update, async (c) => {
    const expectedVersion = versionFromIfMatch(c.req.valid("header")["if-match"]);
    const endpoint = await webhooksService.updateEndpoint(
      c.var.deps,
      actorOf(c),
      c.req.valid("param").id,
      c.req.valid("json"),
      expectedVersion,
    );
    c.header("ETag", etagOf(endpoint.version));
    return c.json(endpoint, 200);
  })
  .openapi(remove, async (c) => {
    const expectedVersion = versionFromIfMatch(c.req.valid("header")["if-match"]);
    await webhooksService.deleteEndpoint(c.var.deps, actorOf(c), c.req.valid("param").id, expectedVersion);
    return c.body(null, 204);
  })
  .openapi(rotate, async (c) => {
    const rotated = await webhooksService.rotateSecret(c.var.deps, actorOf(c), c.req.valid("param").id);
    c.header("Cache-Control", "no-store");
    return c.json(rotated, 200);
  })
  .route("/", deliveryRoutes);
