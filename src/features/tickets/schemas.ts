import { z } from "@hono/zod-openapi";
import { DateTimeInput, DateTimeOutput, dateTimeInput } from "../../lib/date-time.ts";
import { NOT_BLANK } from "../../lib/openapi.ts";
import { MentionList, UnreachableMentions } from "../notifications/schemas.ts";

export const TICKET_STATUSES = ["open", "in_progress", "blocked", "resolved", "closed"] as const;
export const TICKET_PRIORITIES = ["low", "medium", "high", "urgent"] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];
export type TicketPriority = (typeof TICKET_PRIORITIES)[number];

const Timestamp = DateTimeOutput;

export const Ticket = z
  .object({
    id: z.uuid(),
    key: z.string().openapi({ example: "TIX-123" }),
    title: z.string(),
    description: z.string().openapi({ description: "Markdown" }),
    status: z.enum(TICKET_STATUSES),
    priority: z.enum(TICKET_PRIORITIES),
    categoryId: z.uuid().nullable(),
    teamId: z.uuid().nullable(),
    reporterId: z.uuid(),
    assigneeId: z.uuid().nullable(),
    tags: z.array(z.string()),
    dueAt: Timestamp.nullable(),
    firstResponseDueAt: Timestamp.nullable(),
    resolutionDueAt: Timestamp.nullable(),
    firstRespondedAt: Timestamp.nullable(),
    resolvedAt: Timestamp.nullable(),
    closedAt: Timestamp.nullable(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    version: z.number().int(),
    deletedAt: Timestamp.nullable(),
    mentions: MentionList.optional().openapi({
      description:
        "On single-ticket answers whose description mentions someone (`<@user-id>`) who can see it",
    }),
    unreachableMentions: UnreachableMentions.optional(),
    attachmentCount: z.number().int().optional().openapi({
      description:
        "Files you can see on the ticket, in the list (`GET /v1/tickets`) only: a single ticket's ETag is its version, which files do not change, so `GET /v1/tickets/{id}/attachments?count=true` counts them there",
    }),
  })
  .openapi("Ticket");
export type Ticket = z.infer<typeof Ticket>;

export const TicketRef = z.object({ id: z.uuid().openapi({ param: { name: "id", in: "path" } }) });

export const TITLE_MAX = 200;
export const DESCRIPTION_MAX = 20_000;
export const TAGS_MAX = 20;

const Title = z
  .string()
  .trim()
  .min(1)
  .max(TITLE_MAX)
  .openapi({ example: "Printer on floor 3 is on fire", pattern: NOT_BLANK });
const Description = z
  .string()
  .max(DESCRIPTION_MAX)
  .openapi({ description: "Markdown, up to 20,000 characters" });

/** Tags are compared as written by nobody: trimmed, lower-cased, de-duplicated. */
export const TAG_PATTERN = "^\\s*[A-Za-z0-9._-]{1,40}\\s*$";
/** Checked before lower-casing: toLowerCase() turns some non-ASCII letters (K, the Kelvin sign) into ASCII. */
export const Tag = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9._-]{1,40}$/, { error: "1 to 40 characters of a-z, 0-9, '-', '_' or '.'" })
  .toLowerCase()
  .openapi({ pattern: TAG_PATTERN });
const Tags = z
  .array(Tag)
  .max(TAGS_MAX)
  .transform((tags) => [...new Set(tags)])
  .openapi({ example: ["printer", "floor-3"], description: "At most 20; normalized to lower case" });

export const CreateTicket = z
  .object({
    title: Title,
    description: Description.default(""),
    priority: z.enum(TICKET_PRIORITIES).default("medium"),
    categoryId: z.uuid().nullable().optional(),
    teamId: z.uuid().nullable().optional().openapi({
      description: "Not for reporters; defaults to the category's default team",
    }),
    tags: Tags.default([]),
    dueAt: z.union([DateTimeInput, z.null()]).optional(),
  })
  .strict()
  .openapi("CreateTicket");
export type CreateTicket = z.output<typeof CreateTicket>;

/** JSON Merge Patch: absent = unchanged, null clears a nullable field. */
export const UpdateTicket = z
  .object({
    title: Title,
    description: Description,
    priority: z.enum(TICKET_PRIORITIES),
    status: z.enum(TICKET_STATUSES),
    categoryId: z.uuid().nullable(),
    teamId: z.uuid().nullable(),
    tags: Tags,
    dueAt: z.union([DateTimeInput, z.null()]),
    firstResponseDueAt: z.union([dateTimeInput("SLA override (managers, admins)"), z.null()]),
    resolutionDueAt: z.union([dateTimeInput("SLA override (managers, admins)"), z.null()]),
    assigneeId: z.unknown().openapi({ description: "Not settable here: use /assignment", not: {} }),
  })
  .partial()
  .strict()
  .superRefine((patch, ctx) => {
    if ("assigneeId" in patch)
      ctx.addIssue({
        code: "custom",
        path: ["assigneeId"],
        message: "is changed through /v1/tickets/{id}/assignment",
      });
    if (Object.keys(patch).length === 0)
      ctx.addIssue({ code: "custom", message: "must change at least one field" });
  })
  .openapi("UpdateTicket", { minProperties: 1 });
export type UpdateTicket = Omit<z.output<typeof UpdateTicket>, "assigneeId">;
