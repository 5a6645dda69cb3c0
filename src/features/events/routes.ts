import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { streamSSE } from "hono/streaming";
import type { AppEnv } from "../../app-env.ts";
import { BEARER_AUTH, jsonContent, problemResponses, validationHook } from "../../lib/openapi.ts";
import { authenticate, authOf } from "../../middleware/authenticate.ts";
import { rateLimit } from "../../middleware/rate-limit.ts";
import { bearerOrApiKey } from "../api-keys/scopes.ts";
import { listEventHistory } from "./history.ts";
import {
  EventHistoryQuery,
  EventPage,
  EventStreamHeaders,
  EventStreamQuery,
  StreamToken,
} from "./schemas.ts";
import { runEventStream } from "./stream.ts";
import { authenticateStream, issueStreamToken } from "./tokens.ts";
import { viewerOf } from "./visibility.ts";

const tags = ["Events"];
const catalogue = "Event types, payloads and a consuming example: docs/EVENTS.md.";

const issueToken = createRoute({
  method: "post",
  path: "/tokens",
  tags,
  security: BEARER_AUTH,
  summary: "A single-use token to open the event stream",
  description:
    "For browsers' EventSource, which cannot send an Authorization header: pass it as `?token=` to " +
    "GET /v1/events within EVENT_STREAM_TOKEN_TTL_SECONDS. It is bound to this session and works once. " +
    "A replayed Idempotency-Key answer carries the same token, worthless once used or expired.",
  // No Idempotency-Key: a replay would keep a bearer credential in Redis; ask for a new token.
  middleware: [authenticate(), rateLimit("write", { by: "user" })],
  responses: {
    201: jsonContent(StreamToken, "A fresh stream token"),
    ...problemResponses(401, 403, 429, 503),
  },
});

const stream = createRoute({
  method: "get",
  path: "/",
  tags,
  security: BEARER_AUTH,
  summary: "Live ticket events (server-sent events)",
  description:
    "`text/event-stream`: each message has `id:` (the event id), `event:` (the type) and `data:` (the " +
    "Event as JSON); a `: heartbeat` comment every EVENT_HEARTBEAT_SECONDS. Authenticate with the bearer " +
    "header or `?token=` (POST /v1/events/tokens). With Last-Event-ID (header or `lastEventId`) every missed " +
    "event is replayed first, then the stream continues live, in id order, each event once. The stream ends " +
    "after EVENT_STREAM_MAX_SECONDS, and within seconds when the caller's role, teams or status change or " +
    `the session ends: reconnect with the last id to get the new view. ${catalogue}`,
  middleware: [authenticateStream(), rateLimit("read", { by: "user" })],
  request: { query: EventStreamQuery, headers: EventStreamHeaders },
  responses: {
    200: {
      description: "The event stream",
      content: { "text/event-stream": { schema: z.string() } },
    },
    ...problemResponses(400, 401, 429, 503),
  },
});

const history = createRoute({
  method: "get",
  path: "/history",
  tags,
  security: bearerOrApiKey("tickets:read"),
  summary: "Past events as a list, oldest first",
  description:
    "The events the stream would send, for clients that poll: same filters and visibility, id order. " +
    `Start with \`after\` (the last id seen), continue with \`cursor\`. ${catalogue}`,
  middleware: [authenticate({ scope: "tickets:read" }), rateLimit("read", { by: "user" })],
  request: { query: EventHistoryQuery },
  responses: {
    200: jsonContent(EventPage, "A page of events"),
    ...problemResponses(400, 401, 403, 429, 503),
  },
});

export const eventsRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(issueToken, async (c) => {
    const token = await issueStreamToken(c.var.deps, authOf(c));
    c.header("Cache-Control", "no-store");
    return c.json(token, 201);
  })
  .openapi(history, async (c) =>
    c.json(await listEventHistory(c.var.deps, authOf(c), c.req.valid("query")), 200),
  )
  .openapi(stream, async (c) => {
    const deps = c.var.deps;
    const auth = authOf(c);
    const { teamId, ticketId, lastEventId } = c.req.valid("query");
    const viewer = await viewerOf(deps.db, auth);
    const signal = c.req.raw.signal;
    // Proxies such as nginx buffer responses unless told not to; a buffered stream is no stream.
    c.header("X-Accel-Buffering", "no");
    return streamSSE(c, (sse) =>
      runEventStream(deps, sse, {
        auth,
        viewer,
        filters: { teamId, ticketId },
        lastEventId: c.req.valid("header")["last-event-id"] ?? lastEventId,
        signal,
      }),
    );
  });
