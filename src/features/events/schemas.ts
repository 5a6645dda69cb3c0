import { z } from "@hono/zod-openapi";
import { eventTypes } from "../../db/schema.ts";
import { ListQuery, listOf } from "../../lib/list.ts";

/** An event id as text: what `id:` lines carry and EventSource sends back as Last-Event-ID. */
const EventId = z
  .string()
  .regex(/^\d{1,15}$/, { error: "must be an event id (a non-negative integer)" })
  .transform(Number)
  .openapi({ type: "string", pattern: "^\\d{1,15}$" });

/**
 * Where to resume a stream. Empty means none, as if absent: a browser's EventSource snippet
 * passes its last id along, which is "" before the first event (decision in docs/EVENTS.md).
 */
const ResumeId = z
  .string()
  .regex(/^(\d{1,15})?$/, { error: "must be an event id (a non-negative integer) or empty" })
  .transform((value) => (value === "" ? undefined : Number(value)))
  .openapi({ type: "string", pattern: "^(\\d{1,15})?$" });

export const Event = z
  .object({
    id: z.number().int().openapi({ description: "Increases in commit order; resume after it" }),
    type: z.enum(eventTypes),
    ticketId: z.uuid(),
    teamId: z.uuid().nullable().openapi({ description: "The ticket's team after the change" }),
    reporterId: z.uuid(),
    assigneeId: z.uuid().nullable().openapi({ description: "The ticket's assignee after the change" }),
    recipientId: z.union([z.uuid(), z.null()]).openapi({
      description: "Set on events for one user only (`notification.created`): only that user receives them",
    }),
    visibility: z
      .enum(["public", "internal"])
      .openapi({ description: "`internal`: never sent to reporters" }),
    payload: z.record(z.string(), z.unknown()).openapi({
      description:
        "The changed resource as the API returns it: a Ticket, or a Comment; `ticket.deleted` carries only `{id, key, version, deletedAt}` and `comment.deleted` the Comment without `body`. Events of a deleted ticket reach only admins and managers who see it (others keep the tombstone), until it is restored.",
    }),
    createdAt: z.iso.datetime(),
  })
  .openapi("Event", { description: "One live event; docs/EVENTS.md lists the types and payloads." });

export const EventPage = listOf(Event, "EventPage");

const Filters = {
  teamId: z.uuid().optional().openapi({ description: "Only events of this team's tickets" }),
  ticketId: z.uuid().optional().openapi({ description: "Only events of this ticket" }),
};

export const EventStreamQuery = z.object({
  ...Filters,
  lastEventId: ResumeId.optional().openapi({
    description:
      "Resume after this event id; empty means none (as if absent); a non-empty Last-Event-ID header wins when both are sent",
  }),
  token: z.string().max(128).optional().openapi({
    description: "A stream token from POST /v1/events/tokens, for clients that cannot send headers",
  }),
});

export const EventStreamHeaders = z.object({
  "last-event-id": ResumeId.optional().openapi({
    description: "Sent by EventSource on reconnect: replay every event after it first; empty means none",
  }),
});

export const EventHistoryQuery = ListQuery.extend({
  ...Filters,
  after: EventId.optional().openapi({
    description: "Only events with a larger id (a poller's last seen id); not with `cursor`",
  }),
});
export type EventHistoryQuery = z.infer<typeof EventHistoryQuery>;

export const StreamToken = z
  .object({
    token: z.string().openapi({ description: "Single use: pass as ?token= to GET /v1/events" }),
    expiresAt: z.iso.datetime(),
  })
  .openapi("StreamToken");
