import { z } from "@hono/zod-openapi";
import { ListQuery, listOf } from "../../lib/list.ts";
import { Ticket } from "../tickets/schemas.ts";

export const AssignmentTicketRef = z.object({
  id: z.uuid().openapi({ param: { name: "id", in: "path" }, description: "Ticket id" }),
});

const Breakdown = z
  .object({
    skill: z.number().openapi({ description: "Level 0..5 in the ticket's category" }),
    parentSkill: z.number().openapi({ description: "Level 0..5 in its parent category (counts at half)" }),
    skillFit: z.number().openapi({ description: "max(skill, parentSkill × 0.5) / 5" }),
    load: z.number().int().openapi({ description: "Open tickets assigned now, not counting this one" }),
    capacity: z.number().int(),
    freeCapacity: z.number().openapi({ description: "(capacity − load) / capacity" }),
    availability: z.enum(["available", "away", "offline"]),
    availabilityOk: z.boolean(),
    lastAssignedAt: z.iso
      .datetime()
      .nullable()
      .openapi({ description: "The tie-break: oldest (or never) first" }),
    urgency: z.number(),
    skillWeight: z.number(),
    loadWeight: z.number(),
  })
  .openapi("ScoreBreakdown");

export const AssignmentCandidate = z
  .object({
    userId: z.uuid(),
    name: z.string(),
    rank: z.number().int(),
    score: z.number(),
    breakdown: Breakdown,
    reasons: z.array(z.string()),
  })
  .openapi("AssignmentCandidate");

export const AssignmentSuggestions = z
  .object({
    ticketId: z.uuid(),
    urgency: z.number(),
    weights: z.object({ skill: z.number(), load: z.number() }),
    explanation: z.string(),
    candidates: z.array(AssignmentCandidate),
    excluded: z.array(
      z.object({
        userId: z.uuid(),
        name: z.string(),
        reason: z.enum(["at_capacity", "away", "offline"]),
        detail: z.string(),
      }),
    ),
  })
  .openapi("AssignmentSuggestions");

export const Assign = z
  .union([z.object({ assigneeId: z.uuid() }).strict(), z.object({ strategy: z.literal("auto") }).strict()])
  .openapi("Assign", {
    description:
      '`{assigneeId}` assigns someone (yourself, as a developer); `{strategy: "auto"}` takes the top suggestion',
  });
export type Assign = z.infer<typeof Assign>;

/*
 * Nullable references are spelled z.union([X, z.null()]): zod-openapi writes `X.nullable()` (with
 * .openapi()) into the component X itself, which made every AssignmentEntry nullable and its
 * `score` an allOf that no null could match.
 */
const ChosenCandidate = AssignmentCandidate.extend({ explanation: z.string() }).openapi("ChosenCandidate");

export const AssignmentEntry = z
  .object({
    id: z.number().int(),
    ticketId: z.uuid(),
    assigneeId: z.uuid().nullable(),
    previousAssigneeId: z.uuid().nullable(),
    actorId: z.uuid().nullable(),
    strategy: z.enum(["manual", "self", "auto", "unassign"]),
    score: z.union([ChosenCandidate, z.null()]).openapi({
      description:
        "For auto assignments: the chosen candidate's score, breakdown and reasons (staff only). Always null for reporters, who see who was assigned, by whom and when, and null for every other strategy.",
    }),
    createdAt: z.iso.datetime(),
  })
  .openapi("AssignmentEntry");
export type AssignmentEntry = z.infer<typeof AssignmentEntry>;

export const AssignmentResult = z
  .object({
    ticket: Ticket,
    change: z.union([AssignmentEntry, z.null()]).openapi({
      description: "The history entry written, or null when the ticket already had this assignee",
    }),
  })
  .openapi("AssignmentResult");
export type AssignmentResult = z.infer<typeof AssignmentResult>;

export const AssignmentHistory = listOf(AssignmentEntry, "AssignmentHistory");
export const AssignmentHistoryQuery = ListQuery;
