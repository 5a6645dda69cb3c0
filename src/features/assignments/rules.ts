import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { Database } from "../../db/database.ts";
import { developerProfiles, teamMembers, tickets, users } from "../../db/schema.ts";
import type { Actor } from "../../lib/actor.ts";
import { ConflictError, ForbiddenError, PreconditionFailedError } from "../../lib/errors.ts";
import { OPEN_LOAD_STATUSES } from "../developers/queries.ts";
import type { TicketRow } from "../tickets/access.ts";
import type { TicketRelation } from "../tickets/permissions.ts";

type Reader = Pick<Database, "select">;
export type Strategy = "manual" | "self" | "auto";

export function ticketHasNoTeam(): ConflictError {
  return new ConflictError(
    "The ticket has no team, so nobody can be suggested or assigned.",
    "ticket_has_no_team",
  );
}

/** Suggestions are for those who assign (admins, the team's lead managers) and the team's developers. */
export function authorizeSuggestions(actor: Actor, relation: TicketRelation): void {
  if (relation.manages || (actor.role === "developer" && relation.worksOn)) return;
  throw new ForbiddenError(
    "Only the ticket's team and its managers see assignment suggestions.",
    "assignment_forbidden",
  );
}

/**
 * Admins and managers leading the ticket's team assign anyone and use auto; a developer of the
 * team only takes an unassigned ticket (or one already theirs) for themself.
 */
export function authorizeAssignment(
  actor: Actor,
  relation: TicketRelation,
  ticket: TicketRow,
  input: { assigneeId: string } | { strategy: "auto" },
): Strategy {
  if ("strategy" in input) {
    if (relation.manages) return "auto";
    throw new ForbiddenError("Only a manager of the ticket's team can auto-assign.", "assignment_forbidden", [
      { path: "body.strategy", message: "auto-assignment is for managers of the ticket's team" },
    ]);
  }
  const self = input.assigneeId === actor.userId;
  if (relation.manages) return self ? "self" : "manual";
  if (actor.role !== "developer" || !relation.worksOn) {
    throw new ForbiddenError("Only the ticket's team and its managers assign it.", "assignment_forbidden");
  }
  if (!self) {
    throw new ForbiddenError("Developers may only assign themselves.", "assignment_forbidden", [
      { path: "body.assigneeId", message: "must be your own user id" },
    ]);
  }
  if (ticket.assigneeId !== null && ticket.assigneeId !== actor.userId) {
    throw new ConflictError("The ticket is already assigned to someone else.", "already_assigned");
  }
  return "self";
}

export function assertTicketVersion(ticket: TicketRow, expectedVersion: number | undefined): void {
  if (expectedVersion !== undefined && expectedVersion !== ticket.version) {
    throw new PreconditionFailedError("The ticket changed since you read it.", {
      currentVersion: ticket.version,
    });
  }
}

const eligibleDeveloper = (teamId: string) =>
  and(eq(teamMembers.teamId, teamId), eq(users.role, "developer"), eq(users.status, "active"));

/** Assignable people: active users with the developer role who are members of the team. */
export async function eligibleDeveloperIds(db: Reader, teamId: string, userId?: string): Promise<string[]> {
  const rows = await db
    .select({ userId: users.id })
    .from(teamMembers)
    .innerJoin(users, eq(users.id, teamMembers.userId))
    .where(and(eligibleDeveloper(teamId), userId ? eq(users.id, userId) : undefined))
    .orderBy(asc(users.id));
  return rows.map((row) => row.userId);
}

export function notEligible(): ConflictError {
  return new ConflictError(
    "The assignee must be an active developer who is a member of the ticket's team.",
    "assignee_not_eligible",
  );
}

/**
 * Capacity and load of a developer whose profile row this transaction has locked; a separate
 * statement after the lock, so it sees every assignment committed before it. The ticket being
 * assigned is not counted.
 */
export async function assertUnderCapacity(tx: Reader, userId: string, ticketId: string): Promise<void> {
  const [row] = await tx
    .select({
      capacity: developerProfiles.capacity,
      openLoad:
        sql<number>`(select count(*)::int from ${tickets} where ${tickets.assigneeId} = ${developerProfiles.userId} and ${tickets.deletedAt} is null and ${inArray(tickets.status, [...OPEN_LOAD_STATUSES])} and ${tickets.id} <> ${ticketId})`.mapWith(
          Number,
        ),
    })
    .from(developerProfiles)
    .where(eq(developerProfiles.userId, userId));
  if (!row) throw notEligible();
  if (row.openLoad >= row.capacity) {
    throw new ConflictError(
      `The assignee has ${row.openLoad} open tickets and a capacity of ${row.capacity}.`,
      "at_capacity",
      { capacity: row.capacity, openLoad: row.openLoad },
    );
  }
}

/** SQLSTATEs a transaction may simply be retried after: deadlock detected, serialization failure. */
export function isRetryableTransactionError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; current && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (code === "40P01" || code === "40001") return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

export async function withTransactionRetry<T>(work: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= attempts || !isRetryableTransactionError(error)) throw error;
    }
  }
}
