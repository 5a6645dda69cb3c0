import { z } from "@hono/zod-openapi";
import { notificationKinds } from "../../db/schema.ts";
import { ListQuery, listOf } from "../../lib/list.ts";

export const NOTIFICATION_CHANNELS = ["in_app", "email", "off"] as const;

const Seq = z.number().int().min(1).openapi({
  description:
    "Position in the inbox: grows with every new notification and every fold, so the newest activity is the largest",
});

export const Notification = z
  .object({
    id: z.uuid(),
    seq: Seq,
    kind: z.enum(notificationKinds),
    ticket: z.object({ id: z.uuid(), key: z.string(), title: z.string() }),
    actor: z
      .union([z.object({ id: z.uuid(), name: z.string() }), z.null()])
      .openapi({ description: "Who did it last (the latest of a fold); null for due-date reminders" }),
    commentId: z.union([z.uuid(), z.null()]),
    visibility: z.enum(["public", "internal"]),
    data: z.record(z.string(), z.unknown()).openapi({
      description:
        "`{from, to}` for status_changed and priority_changed, `{field, dueAt}` for due_soon and overdue, else `{}`",
    }),
    count: z.number().int().min(1).openapi({ description: "How many changes folded into this one" }),
    readAt: z.union([z.iso.datetime(), z.null()]),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi("Notification");
export type Notification = z.infer<typeof Notification>;

export const NotificationList = listOf(Notification, "NotificationList");

export const NotificationListQuery = ListQuery.extend({
  unread: z
    .enum(["true", "false"])
    .transform((flag) => flag === "true")
    .optional()
    .openapi({ description: "true: unread only" }),
  kind: z.enum(notificationKinds).optional().openapi({ description: "Only this kind" }),
});
export type NotificationListQuery = z.infer<typeof NotificationListQuery>;

export const NotificationRef = z.object({ id: z.uuid().openapi({ param: { name: "id", in: "path" } }) });

export const UnreadCount = z.object({ unread: z.number().int().min(0) }).openapi("UnreadCount");

export const MarkRead = z
  .object({ read: z.boolean().openapi({ description: "false marks it unread again" }) })
  .strict()
  .openapi("MarkRead");

export const MarkAllRead = z
  .object({
    upToSeq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).openapi({
      description:
        "The largest `seq` you have shown: newer notifications (and folds) stay unread, so a race with an arrival loses nothing",
    }),
  })
  .strict()
  .openapi("MarkAllRead");

export const MarkedRead = z
  .object({ marked: z.number().int().min(0), unread: z.number().int().min(0) })
  .openapi("MarkedRead");

export const NotificationPreferences = z
  .object(
    Object.fromEntries(notificationKinds.map((kind) => [kind, z.enum(NOTIFICATION_CHANNELS)])) as Record<
      (typeof notificationKinds)[number],
      z.ZodEnum<{ in_app: "in_app"; email: "email"; off: "off" }>
    >,
  )
  .openapi("NotificationPreferences", {
    description:
      "Per kind: `in_app` (the inbox and the live event), `email` (the inbox, plus an email per new notification), `off` (nothing)",
  });
export type NotificationPreferences = z.infer<typeof NotificationPreferences>;

export const UpdateNotificationPreferences = NotificationPreferences.partial()
  .strict()
  .refine((patch) => Object.keys(patch).length > 0, { message: "must set at least one kind" })
  .openapi("UpdateNotificationPreferences", { minProperties: 1 });

export const Watcher = z
  .object({ userId: z.uuid(), name: z.string(), since: z.iso.datetime() })
  .openapi("Watcher");
export const WatcherList = listOf(Watcher, "WatcherList");
export const WatchState = z.object({ watching: z.boolean() }).openapi("WatchState");

export const MentionList = z.array(z.object({ userId: z.uuid(), name: z.string() })).openapi("Mentions", {
  description: "People mentioned as `<@user-id>` who can see the text, with their names",
});
export const UnreachableMentions = z.array(z.uuid()).openapi({
  description:
    "Only to the author, on create and edit: ids mentioned that reached no one (no such user, or one who cannot see this)",
});
