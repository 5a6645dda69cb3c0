import { z } from "@hono/zod-openapi";
import { dateTimeInput } from "../../lib/date-time.ts";
import { ListQuery, listOf } from "../../lib/list.ts";
import { NOT_BLANK } from "../../lib/openapi.ts";
import { ROLES } from "../users/schemas.ts";

const Changes = z.record(z.string(), z.unknown()).nullable();

export const AuditEntry = z
  .object({
    id: z.number().int(),
    actorId: z.uuid().nullable(),
    actorRole: z.enum(ROLES).nullable(),
    action: z.string().openapi({ example: "user.updated" }),
    entityType: z.string().openapi({ example: "user" }),
    entityId: z.string(),
    before: Changes.openapi({ description: "The changed fields before the change (null on creation)" }),
    after: Changes.openapi({ description: "The changed fields after the change (null on deletion)" }),
    requestId: z.string().nullable(),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    createdAt: z.iso.datetime(),
  })
  .openapi("AuditEntry");
export type AuditEntry = z.infer<typeof AuditEntry>;

const Token = z.string().trim().min(1).max(100).openapi({ pattern: NOT_BLANK });

export const AuditLogQuery = ListQuery.extend({
  actorId: z.uuid().optional(),
  entityType: Token.optional().openapi({ example: "ticket" }),
  entityId: Token.optional().openapi({ description: "Needs entityType (the index leads with it)" }),
  action: Token.optional().openapi({ example: "ticket.updated" }),
  from: dateTimeInput("Inclusive lower bound").optional(),
  to: dateTimeInput("Inclusive upper bound").optional(),
}).superRefine((query, ctx) => {
  if (query.from && query.to && query.from > query.to) {
    ctx.addIssue({ code: "custom", path: ["from"], message: "must not be after `to`" });
  }
  if (query.entityId !== undefined && query.entityType === undefined) {
    ctx.addIssue({ code: "custom", path: ["entityType"], message: "is required with entityId" });
  }
});
export type AuditLogQuery = z.infer<typeof AuditLogQuery>;

export const AuditLogPage = listOf(AuditEntry, "AuditLogPage");
