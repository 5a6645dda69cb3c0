import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../app-env.ts";
import { actorOf } from "../../lib/actor.ts";
import { ListQuery } from "../../lib/list.ts";
import { BEARER_AUTH, jsonContent, problemResponses, validationHook } from "../../lib/openapi.ts";
import { authenticate } from "../../middleware/authenticate.ts";
import { rateLimit } from "../../middleware/rate-limit.ts";
import { requireRole } from "../../middleware/require-role.ts";
import { TicketRef } from "../tickets/schemas.ts";
import { WatcherList, WatchState } from "./schemas.ts";
import { listWatchers, unwatch, watch } from "./watchers.ts";

const tags = ["Watchers"];

const list = createRoute({
  method: "get",
  path: "/{id}/watchers",
  tags,
  security: BEARER_AUTH,
  summary: "Who watches a ticket (staff)",
  description:
    "Those who watch it and can still see it, oldest first. Reporter, assignee, commenters and the mentioned watch automatically.",
  middleware: [
    authenticate(),
    rateLimit("read", { by: "user" }),
    requireRole("admin", "manager", "developer"),
  ],
  request: { params: TicketRef, query: ListQuery },
  responses: {
    200: jsonContent(WatcherList, "A page of watchers"),
    ...problemResponses(400, 401, 403, 404, 429, 503),
  },
});

const watchRoute = createRoute({
  method: "put",
  path: "/{id}/watchers/me",
  tags,
  security: BEARER_AUTH,
  summary: "Watch a ticket",
  description: "Anyone who can see the ticket; watching it twice is the same as once.",
  middleware: [authenticate(), rateLimit("write", { by: "user" })],
  request: { params: TicketRef },
  responses: { 200: jsonContent(WatchState, "You watch it"), ...problemResponses(400, 401, 404, 429, 503) },
});

const unwatchRoute = createRoute({
  method: "delete",
  path: "/{id}/watchers/me",
  tags,
  security: BEARER_AUTH,
  summary: "Stop watching a ticket",
  description: "Commenting on it or being mentioned makes you watch it again.",
  middleware: [authenticate(), rateLimit("write", { by: "user" })],
  request: { params: TicketRef },
  responses: {
    200: jsonContent(WatchState, "You no longer watch it"),
    ...problemResponses(400, 401, 404, 429, 503),
  },
});

export const watchersRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(list, async (c) =>
    c.json(await listWatchers(c.var.deps, actorOf(c), c.req.valid("param").id, c.req.valid("query")), 200),
  )
  .openapi(watchRoute, async (c) => c.json(await watch(c.var.deps, actorOf(c), c.req.valid("param").id), 200))
  .openapi(unwatchRoute, async (c) =>
    c.json(await unwatch(c.var.deps, actorOf(c), c.req.valid("param").id), 200),
  );
