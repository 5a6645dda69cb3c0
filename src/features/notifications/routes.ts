import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../app-env.ts";
import { actorOf } from "../../lib/actor.ts";
import {
  BEARER_AUTH,
  IdempotencyKey,
  jsonBody,
  jsonContent,
  problemResponses,
  validationHook,
} from "../../lib/openapi.ts";
import { authenticate } from "../../middleware/authenticate.ts";
import { idempotent } from "../../middleware/idempotency.ts";
import { rateLimit } from "../../middleware/rate-limit.ts";
import { listNotifications, markAllRead, markNotification, unreadCount } from "./inbox.ts";
import { getPreferences, updatePreferences } from "./preferences.ts";
import {
  MarkAllRead,
  MarkedRead,
  MarkRead,
  Notification,
  NotificationList,
  NotificationListQuery,
  NotificationPreferences,
  NotificationRef,
  UnreadCount,
  UpdateNotificationPreferences,
} from "./schemas.ts";

const tags = ["Notifications"];
const read = () => [authenticate(), rateLimit("read", { by: "user" })];
const write = () => [authenticate(), rateLimit("write", { by: "user" })];
const guide = "Kinds, folding and the live badge: docs/EVENTS.md (Notifications).";

const list = createRoute({
  method: "get",
  path: "/",
  tags,
  security: BEARER_AUTH,
  summary: "Your notifications, newest activity first",
  description:
    "Only what you can still see: a ticket you lost access to, or an internal comment once you are not staff, drops out. " +
    `Repeated changes of one kind to one ticket within minutes fold into one unread notification (\`count\`, latest \`actor\`). ${guide}`,
  middleware: read(),
  request: { query: NotificationListQuery },
  responses: {
    200: jsonContent(NotificationList, "A page of notifications"),
    ...problemResponses(400, 401, 429, 503),
  },
});

const count = createRoute({
  method: "get",
  path: "/unread-count",
  tags,
  security: BEARER_AUTH,
  summary: "How many unread notifications you have (the badge)",
  middleware: read(),
  responses: { 200: jsonContent(UnreadCount, "The unread count"), ...problemResponses(401, 429, 503) },
});

const readAll = createRoute({
  method: "post",
  path: "/read-all",
  tags,
  security: BEARER_AUTH,
  summary: "Mark read every notification up to a seq",
  description:
    "Send the largest `seq` you have shown: anything newer, including a fold that arrived meanwhile, stays unread.",
  middleware: [...write(), idempotent()],
  request: { headers: IdempotencyKey, body: jsonBody(MarkAllRead) },
  responses: {
    200: jsonContent(MarkedRead, "How many were marked, and the unread count left"),
    ...problemResponses(400, 401, 413, 415, 422, 429, 503),
  },
});

const getPrefs = createRoute({
  method: "get",
  path: "/preferences",
  tags,
  security: BEARER_AUTH,
  summary: "How you are notified of each kind",
  middleware: read(),
  responses: {
    200: jsonContent(NotificationPreferences, "Your choice per kind"),
    ...problemResponses(401, 429, 503),
  },
});

const patchPrefs = createRoute({
  method: "patch",
  path: "/preferences",
  tags,
  security: BEARER_AUTH,
  summary: "Choose in_app, email or off per kind",
  description:
    "Kinds left out keep their choice. `email` also keeps the inbox entry, and mails each new notification (not each fold).",
  middleware: write(),
  request: { body: jsonBody(UpdateNotificationPreferences) },
  responses: {
    200: jsonContent(NotificationPreferences, "Your choice per kind"),
    ...problemResponses(400, 401, 413, 415, 429, 503),
  },
});

const mark = createRoute({
  method: "patch",
  path: "/{id}",
  tags,
  security: BEARER_AUTH,
  summary: "Mark one notification read or unread",
  description: "Marked unread, it stops folding: later changes start a new notification.",
  middleware: write(),
  request: { params: NotificationRef, body: jsonBody(MarkRead) },
  responses: {
    200: jsonContent(Notification, "The notification"),
    ...problemResponses(400, 401, 404, 413, 415, 429, 503),
  },
});

// Preferences before /{id}: the first matching route wins.
export const notificationsRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(list, async (c) =>
    c.json(await listNotifications(c.var.deps, actorOf(c), c.req.valid("query")), 200),
  )
  .openapi(count, async (c) => c.json({ unread: await unreadCount(c.var.deps, actorOf(c)) }, 200))
  .openapi(readAll, async (c) =>
    c.json(await markAllRead(c.var.deps, actorOf(c), c.req.valid("json").upToSeq), 200),
  )
  .openapi(getPrefs, async (c) => c.json(await getPreferences(c.var.deps, actorOf(c)), 200))
  .openapi(patchPrefs, async (c) =>
    c.json(await updatePreferences(c.var.deps, actorOf(c), c.req.valid("json")), 200),
  )
  .openapi(mark, async (c) =>
    c.json(
      await markNotification(c.var.deps, actorOf(c), c.req.valid("param").id, c.req.valid("json").read),
      200,
    ),
  );
