import { and, eq } from "drizzle-orm";
import type { Database } from "../../db/database.ts";
import { teamMembers } from "../../db/schema.ts";
import type { Actor } from "../../lib/actor.ts";
import { type FieldError, ForbiddenError } from "../../lib/errors.ts";
import { type TicketRow, teamsLedBy } from "./access.ts";
import type { TicketStatus, UpdateTicket } from "./schemas.ts";
import { assertTransition, TRANSITIONS } from "./workflow.ts";

type Reader = Pick<Database, "select">;

/** What the caller is to this ticket; every PATCH rule below is decided from it. */
export interface TicketRelation {
  /** Admin, or a manager leading the ticket's team: every field, every step. */
  manages: boolean;
  /** A developer in the ticket's team (or someone who manages it): the ticket's working fields. */
  worksOn: boolean;
  isReporter: boolean;
  isAssignee: boolean;
  /** Teams a manager may move the ticket to (admins: any). */
  ledTeams: ReadonlySet<string>;
}

/** One query at most: a manager's led teams, or a developer's membership of the ticket's team. */
export async function relationTo(db: Reader, actor: Actor, ticket: TicketRow): Promise<TicketRelation> {
  const isReporter = ticket.reporterId === actor.userId;
  const isAssignee = ticket.assigneeId === actor.userId;
  const base = { isReporter, isAssignee, ledTeams: new Set<string>() };
  if (actor.role === "admin") return { ...base, manages: true, worksOn: true };
  if (actor.role === "manager") {
    const ledTeams = await teamsLedBy(db, actor.userId);
    const manages = ticket.teamId !== null && ledTeams.has(ticket.teamId);
    return { ...base, ledTeams, manages, worksOn: manages };
  }
  if (actor.role === "developer" && ticket.teamId !== null) {
    const [membership] = await db
      .select({ role: teamMembers.role })
      .from(teamMembers)
      .where(and(eq(teamMembers.teamId, ticket.teamId), eq(teamMembers.userId, actor.userId)))
      .limit(1);
    return { ...base, manages: false, worksOn: membership !== undefined };
  }
  return { ...base, manages: false, worksOn: false };
}

type Field = keyof UpdateTicket;
const WORKING_FIELDS: readonly Field[] = ["priority", "categoryId", "tags", "dueAt"];
const SLA_FIELDS: readonly Field[] = ["firstResponseDueAt", "resolutionDueAt"];

/**
 * Refuses the whole patch with 403 naming every field the caller may not change (never silently
 * dropping one; a status step that exists but is not the caller's to take counts as one), then
 * 409 for a status step the workflow does not have.
 */
export function authorizePatch(
  actor: Actor,
  ticket: TicketRow,
  relation: TicketRelation,
  patch: UpdateTicket,
  options: { now: Date; reopenWindowDays: number },
): void {
  const forbidden: FieldError[] = [];
  const refuse = (field: string, message: string) => forbidden.push({ path: `body.${field}`, message });
  const present = (field: Field) => patch[field] !== undefined;

  for (const field of ["title", "description"] as const) {
    if (!present(field) || relation.worksOn) continue;
    if (relation.isReporter && ticket.status === "open") continue;
    refuse(
      field,
      relation.isReporter
        ? "can be edited by the reporter only while the ticket is open"
        : "only the ticket's team, or its reporter while it is open, can change it",
    );
  }
  for (const field of WORKING_FIELDS) {
    if (present(field) && !relation.worksOn) refuse(field, "only the ticket's team can change it");
  }
  for (const field of SLA_FIELDS) {
    if (present(field) && !relation.manages)
      refuse(field, "only a manager of the ticket's team can override SLA dates");
  }
  if (patch.teamId !== undefined && !mayMoveTo(actor, relation, patch.teamId)) {
    refuse("teamId", "you can only move tickets you manage into teams you lead");
  }
  const status = patch.status;
  const steps = status !== undefined && status !== ticket.status;
  const stepExists = steps && TRANSITIONS[ticket.status].includes(status);
  if (steps && !(relation.manages || relation.isAssignee || relation.isReporter)) {
    refuse("status", "only the assignee, the reporter or a manager can change it");
  } else if (stepExists) {
    const refused = refuseStep(ticket, relation, status, options);
    if (refused) refuse("status", refused);
  }
  if (forbidden.length > 0) throw fieldsForbidden(forbidden);
  if (steps && !stepExists) assertTransition(ticket.status, status);
}

function mayMoveTo(actor: Actor, relation: TicketRelation, teamId: string | null): boolean {
  if (actor.role === "admin") return true;
  return relation.manages && teamId !== null && relation.ledTeams.has(teamId);
}

/** Why this caller may not take the step from the ticket's status to `to`, or null when they may. */
function refuseStep(
  ticket: TicketRow,
  relation: TicketRelation,
  to: TicketStatus,
  options: { now: Date; reopenWindowDays: number },
): string | null {
  if (relation.manages) return null;
  const reopen = ticket.status === "closed" && to === "open";
  if (relation.isReporter) {
    if (ticket.status === "resolved" && to === "closed") return null;
    if (reopen) {
      const closedAt = ticket.closedAt ?? options.now;
      const windowEnds = closedAt.getTime() + options.reopenWindowDays * 24 * 3600 * 1000;
      if (options.now.getTime() <= windowEnds) return null;
      return `can be reopened by the reporter only within ${options.reopenWindowDays} days of closing`;
    }
  }
  if (relation.isAssignee && !reopen) return null;
  return reopen
    ? "a closed ticket is reopened by its reporter or a manager"
    : "only the assignee or a manager can take this step";
}

function fieldsForbidden(errors: FieldError[]): ForbiddenError {
  return new ForbiddenError(
    `You may not change: ${errors.map((error) => error.path.replace("body.", "")).join(", ")}.`,
    "fields_forbidden",
    errors,
  );
}
