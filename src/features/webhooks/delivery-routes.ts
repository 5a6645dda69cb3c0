import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../app-env.ts";
import { actorOf } from "../../lib/actor.ts";
import {
  IdempotencyKey,
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
import * as deliveries from "./deliveries.ts";
import {
  RedeliveredCount,
  RedeliverFailed,
  WebhookDelivery,
  WebhookDeliveryDetail,
  WebhookDeliveryList,
  WebhookDeliveryListQuery,
  WebhookDeliveryRef,
  WebhookRef,
} from "./schemas.ts";

const tags = ["Webhooks"];
const TEAM_RULE = "For whoever may manage the endpoint (admins; managers for a team they lead).";

const listDeliveries = createRoute({
  method: "get",
  path: "/{id}/deliveries",
  tags,
  security: bearerOrApiKey("webhooks:manage"),
  summary: "The endpoint's delivery log, newest first",
  description: `${TEAM_RULE} Kept for WEBHOOK_LOG_RETENTION_DAYS.`,
  middleware: [
    authenticate({ scope: "webhooks:manage" }),
    rateLimit("read", { by: "user" }),
    requireRole("admin", "manager"),
  ],
  request: { params: WebhookRef, query: WebhookDeliveryListQuery },
  responses: {
    200: jsonContent(WebhookDeliveryList, "A page of deliveries"),
    ...problemResponses(400, 401, 403, 404, 429, 503),
  },
});

const getDelivery = createRoute({
  method: "get",
  path: "/{id}/deliveries/{deliveryId}",
  tags,
  security: bearerOrApiKey("webhooks:manage"),
  summary: "One delivery with its body and every attempt",
  description: TEAM_RULE,
  middleware: [
    authenticate({ scope: "webhooks:manage" }),
    rateLimit("read", { by: "user" }),
    requireRole("admin", "manager"),
  ],
  request: { params: WebhookDeliveryRef },
  responses: {
    200: jsonContent(WebhookDeliveryDetail, "The delivery"),
    ...problemResponses(400, 401, 403, 404, 429, 503),
  },
});

const redeliver = createRoute({
  method: "post",
  path: "/{id}/deliveries/{deliveryId}/redeliver",
  tags,
  security: bearerOrApiKey("webhooks:manage"),
  summary: "Send a delivery again",
  description: `${TEAM_RULE} Same body and \`webhook-id\`, freshly signed. A delivery still pending is already queued: it is answered as it is.`,
  middleware: [
    authenticate({ scope: "webhooks:manage" }),
    rateLimit("write", { by: "user" }),
    requireRole("admin", "manager"),
    idempotent(),
  ],
  request: { params: WebhookDeliveryRef, headers: IdempotencyKey },
  responses: {
    202: jsonContent(WebhookDelivery, "Queued again"),
    ...problemResponses(400, 401, 403, 404, 429, 503),
  },
});

const redeliverFailed = createRoute({
  method: "post",
  path: "/{id}/redeliver-failed",
  tags,
  security: bearerOrApiKey("webhooks:manage"),
  summary: "Send every failed delivery since a time again",
  description: TEAM_RULE,
  middleware: [
    authenticate({ scope: "webhooks:manage" }),
    rateLimit("write", { by: "user" }),
    requireRole("admin", "manager"),
    idempotent(),
  ],
  request: { params: WebhookRef, headers: IdempotencyKey, body: jsonBody(RedeliverFailed) },
  responses: {
    202: jsonContent(RedeliveredCount, "How many were queued again"),
    ...problemResponses(400, 401, 403, 404, 413, 415, 429, 503),
  },
});

const ping = createRoute({
  method: "post",
  path: "/{id}/ping",
  tags,
  security: bearerOrApiKey("webhooks:manage"),
  summary: "Send a test event (`webhook.ping`)",
  description: `${TEAM_RULE} Delivered, signed and logged like any event.`,
  middleware: [
    authenticate({ scope: "webhooks:manage" }),
    rateLimit("write", { by: "user" }),
    requireRole("admin", "manager"),
    idempotent(),
  ],
  request: { params: WebhookRef, headers: IdempotencyKey },
  responses: {
    202: jsonContent(WebhookDelivery, "The queued test delivery"),
    ...problemResponses(400, 401, 403, 404, 429, 503),
  },
});

export const deliveryRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(listDeliveries, async (c) =>
    c.json(
      await deliveries.listDeliveries(c.var.deps, actorOf(c), c.req.valid("param").id, c.req.valid("query")),
      200,
    ),
  )
  .openapi(getDelivery, async (c) => {
    const { id, deliveryId } = c.req.valid("param");
    return c.json(await deliveries.getDelivery(c.var.deps, actorOf(c), id, deliveryId), 200);
  })
  .openapi(redeliver, async (c) => {
    const { id, deliveryId } = c.req.valid("param");
    return c.json(await deliveries.redeliver(c.var.deps, actorOf(c), id, deliveryId), 202);
  })
  .openapi(redeliverFailed, async (c) =>
    c.json(
      await deliveries.redeliverFailed(
        c.var.deps,
        actorOf(c),
        c.req.valid("param").id,
        c.req.valid("json").since,
      ),
      202,
    ),
  )
  .openapi(ping, async (c) =>
    c.json(await deliveries.sendTestEvent(c.var.deps, actorOf(c), c.req.valid("param").id), 202),
  );
