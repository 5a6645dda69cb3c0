import { z } from "@hono/zod-openapi";
import { dateTimeInput } from "../../lib/date-time.ts";
import { ListQuery, listOf } from "../../lib/list.ts";
import { NOT_BLANK, UUID_PATTERN } from "../../lib/openapi.ts";
import { TAG_PATTERN, Tag, TICKET_PRIORITIES, TICKET_STATUSES, Ticket } from "./schemas.ts";

export const TICKET_SORTS = ["createdAt", "updatedAt", "priority", "dueAt"] as const;
export type TicketSortKey = (typeof TICKET_SORTS)[number];
const SORT_VALUES = TICKET_SORTS.flatMap((key) => [key, `-${key}`] as const);

/** A comma-separated list of values (`status=open,blocked`); repeating the parameter is a 400. */
function commaList<const T extends readonly [string, ...string[]]>(values: T, description: string) {
  return z
    .string()
    .transform((raw) => raw.split(",").map((value) => value.trim()))
    .pipe(
      z
        .array(z.enum(values))
        .min(1)
        .max(values.length * 2),
    )
    .openapi({
      type: "string",
      description,
      example: values.slice(0, 2).join(","),
      pattern: listPattern(values),
    });
}

/** What commaList accepts: 1 to 2×n known values, each with optional blanks around it. */
function listPattern(values: readonly string[]): string {
  const one = `\\s*(?:${values.join("|")})\\s*`;
  return `^${one}(?:,${one}){0,${values.length * 2 - 1}}$`;
}

const ActorOrId = <const K extends string>(...keywords: [K, ...K[]]) =>
  z.union([z.uuid(), z.enum(keywords)]).openapi({
    type: "string",
    pattern: `^(?:${UUID_PATTERN.slice(1, -1)}|${keywords.join("|")})$`,
  });

export const TicketListQuery = ListQuery.extend({
  status: commaList(TICKET_STATUSES, "One or more statuses, comma-separated").optional(),
  priority: commaList(TICKET_PRIORITIES, "One or more priorities, comma-separated").optional(),
  assigneeId: ActorOrId("me", "none").optional().openapi({ description: "A user id, `me` or `none`" }),
  reporterId: ActorOrId("me").optional().openapi({ description: "A user id or `me`" }),
  teamId: z.uuid().optional(),
  categoryId: z.uuid().optional(),
  tag: z
    .string()
    .transform((raw) => raw.split(","))
    .pipe(z.array(Tag).min(1).max(20))
    .optional()
    .openapi({
      type: "string",
      description: "Tickets carrying every one of these tags (comma-separated, at most 20)",
      pattern: `^${TAG_PATTERN.slice(1, -1)}(?:,${TAG_PATTERN.slice(1, -1)}){0,19}$`,
    }),
  createdFrom: dateTimeInput("createdAt >= this instant").optional(),
  createdTo: dateTimeInput("createdAt < this instant").optional(),
  updatedFrom: dateTimeInput("updatedAt >= this instant").optional(),
  updatedTo: dateTimeInput("updatedAt < this instant").optional(),
  dueBefore: dateTimeInput("dueAt < this instant").optional(),
  q: z.string().trim().min(1).max(200).optional().openapi({
    pattern: NOT_BLANK,
    description:
      'Full-text search (web search syntax: words, "phrases", -exclusions) over title and description. Without `sort`, the 1,000 newest matches are ranked by relevance and the list (and `total`) ends there; with `sort`, every match is listed.',
  }),
  sort: z.enum(SORT_VALUES).optional().openapi({
    description:
      "`-` for descending. Default `-createdAt`, or relevance when `q` is given. `priority` ties break by createdAt in the same direction; `dueAt` puts tickets without a due date last (first when descending).",
  }),
});
export type TicketListQuery = z.output<typeof TicketListQuery>;

export const TicketList = listOf(Ticket, "TicketList");

const Changes = z.record(z.string(), z.unknown()).nullable();

/** One line of a ticket's history: its own audit rows and those of its comments. */
export const TicketActivityEntry = z
  .object({
    id: z.number().int(),
    action: z.string().openapi({ example: "ticket.status_changed" }),
    actorId: z.uuid().nullable(),
    actorRole: z.enum(["admin", "manager", "developer", "reporter"]).nullable(),
    entityType: z.string().openapi({ example: "ticket" }),
    entityId: z.string(),
    before: Changes.openapi({ description: "The changed fields before (null on creation)" }),
    after: Changes.openapi({ description: "The changed fields after" }),
    createdAt: z.iso.datetime(),
  })
  .openapi("TicketActivityEntry");
export type TicketActivityEntry = z.infer<typeof TicketActivityEntry>;

export const TicketActivityList = listOf(TicketActivityEntry, "TicketActivityList");
export const TicketActivityQuery = ListQuery;
