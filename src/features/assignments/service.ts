import { eq, sql } from "drizzle-orm";
import { assignmentHistory, tickets } from "../../db/schema.ts";
import type { Deps } from "../../deps.ts";
import type { Actor } from "../../lib/actor.ts";
import { writeAudit } from "../../lib/audit.ts";
import { ConflictError, ForbiddenError } from "../../lib/errors.ts";
import { invalidateDeveloperLoads } from "../developers/cache.ts";
import { loadTeamDevelopers } from "../developers/queries.ts";
import { publishAfterCommit } from "../events/publish.ts";
import { recordEvent } from "../events/record.ts";
import { sendQueuedMail } from "../mail/outbox.ts";
import { recordNotificationEvents } from "../notifications/live.ts";
import type { MailDeps } from "../notifications/mail.ts";
import { writeNotifications } from "../notifications/notify.ts";
import { addWatchers } from "../notifications/watchers.ts";
import { loadVisibleTicket, type TicketRow } from "../tickets/access.ts";
import { relationTo } from "../tickets/permissions.ts";
import { toTicket } from "../tickets/presenter.ts";
import { listHistory, toAssignmentEntry } from "./history.ts";
import {
  assertTicketVersion,
  assertUnderCapacity,
  authorizeAssignment,
  authorizeSuggestions,
  eligibleDeveloperIds,
  notEligible,
  type Strategy,
  ticketHasNoTeam,
  withTransactionRetry,
} from "./rules.ts";
import type { Assign, AssignmentResult } from "./schemas.ts";
import { type Candidate, rankDevelopers } from "./scoring.ts";
import {
  cachedTeamDevelopers,
  categoryPathOf,
  lockDeveloperProfiles,
  scoringInputs,
  touchLastAssigned,
} from "./team-developers.ts";

type Tx = Parameters<Parameters<Deps["db"]["transaction"]>[0]>[0];
type Chosen = { userId: string; score: (Candidate & { explanation: string }) | null };
type Applied = { result: AssignmentResult; eventIds: number[]; mailQueued: boolean };

/** The ranked, explained candidates for a ticket, from cached team loads (read-only). */
export async function suggestAssignees(deps: Deps, actor: Actor, ticketId: string) {
  const ticket = await loadVisibleTicket(deps.db, actor, ticketId);
  if (!ticket.teamId) throw ticketHasNoTeam();
  authorizeSuggestions(actor, await relationTo(deps.db, actor, ticket));
  const [developers, path] = await Promise.all([
    cachedTeamDevelopers(deps, ticket.teamId),
    categoryPathOf(deps.db, ticket),
  ]);
  const ranking = rankDevelopers(ticket, scoringInputs(developers, ticket, path), deps.clock.now());
  return { ticketId: ticket.id, ...ranking };
}

/**
 * Assigns in one transaction: the ticket row is locked first, then the profile rows of whoever
 * may receive it (in user-id order), and only then are loads counted; two assignments racing for
 * the same developer's last free slot queue on that row, and the second sees the first's ticket.
 * Deadlocks cannot form with that order; a retry covers anything else that aborts the transaction.
 */
export async function assignTicket(
  deps: Deps,
  actor: Actor,
  ticketId: string,
  input: Assign,
  expectedVersion: number | undefined,
): Promise<AssignmentResult> {
  const { result, eventIds, mailQueued } = await withTransactionRetry(() =>
    deps.db.transaction(async (tx) => {
      const ticket = await loadVisibleTicket(tx, actor, ticketId, { forUpdate: true });
      const teamId = ticket.teamId;
      if (!teamId) throw ticketHasNoTeam();
      const strategy = authorizeAssignment(actor, await relationTo(tx, actor, ticket), ticket, input);
      assertTicketVersion(ticket, expectedVersion);
      const chosen =
        "strategy" in input
          ? await chooseAutomatically(tx, ticket, teamId, deps.clock.now())
          : await checkAssignee(tx, ticket, teamId, input.assigneeId);
      if (chosen.userId === ticket.assigneeId)
        return { result: { ticket: toTicket(ticket), change: null }, eventIds: [], mailQueued: false };
      return applyChange(deps, tx, actor, ticket, chosen, strategy);
    }),
  );
  publishAfterCommit(deps, eventIds);
  if (mailQueued) sendQueuedMail(deps);
  if (result.change) await invalidateDeveloperLoads(deps);
  return result;
}

/** Unassigns: managers of the ticket's team and admins, or the current assignee. */
export async function unassignTicket(
  deps: Deps,
  actor: Actor,
  ticketId: string,
  expectedVersion: number | undefined,
): Promise<AssignmentResult> {
  const { result, eventIds, mailQueued } = await deps.db.transaction(async (tx) => {
    const ticket = await loadVisibleTicket(tx, actor, ticketId, { forUpdate: true });
    const relation = await relationTo(tx, actor, ticket);
    if (!relation.manages && !relation.isAssignee) {
      throw new ForbiddenError(
        "Only a manager of the ticket's team or its assignee can unassign it.",
        "assignment_forbidden",
      );
    }
    assertTicketVersion(ticket, expectedVersion);
    if (ticket.assigneeId === null) throw new ConflictError("The ticket is not assigned.", "not_assigned");
    return applyChange(deps, tx, actor, ticket, { userId: null, score: null }, "unassign");
  });
  publishAfterCommit(deps, eventIds);
  if (mailQueued) sendQueuedMail(deps);
  await invalidateDeveloperLoads(deps);
  return result;
}

export async function listAssignmentHistory(
  deps: Deps,
  actor: Actor,
  ticketId: string,
  query: { limit: number; cursor?: string | undefined; count?: boolean | undefined },
) {
  await loadVisibleTicket(deps.db, actor, ticketId);
  const page = await listHistory(deps.db, ticketId, query);
  if (actor.role !== "reporter") return page;
  // Reporters learn who took their ticket and when; candidates' load and skills stay with staff.
  return { ...page, data: page.data.map((entry) => ({ ...entry, score: null })) };
}

/** Manual and self assignment: any availability, never over capacity. */
async function checkAssignee(tx: Tx, ticket: TicketRow, teamId: string, assigneeId: string): Promise<Chosen> {
  if (assigneeId === ticket.assigneeId) return { userId: assigneeId, score: null };
  const [eligible] = await eligibleDeveloperIds(tx, teamId, assigneeId);
  if (!eligible) throw notEligible();
  await lockDeveloperProfiles(tx, [assigneeId]);
  await assertUnderCapacity(tx, assigneeId, ticket.id);
  return { userId: assigneeId, score: null };
}

/** The top suggestion, ranked from loads read after every candidate's profile row is locked. */
async function chooseAutomatically(tx: Tx, ticket: TicketRow, teamId: string, now: Date): Promise<Chosen> {
  const locked = new Set(await eligibleDeveloperIds(tx, teamId));
  await lockDeveloperProfiles(tx, [...locked]);
  const developers = await loadTeamDevelopers(tx, teamId);
  const path = await categoryPathOf(tx, ticket);
  const inputs = scoringInputs(
    developers.filter((developer) => locked.has(developer.userId)),
    ticket,
    path,
  );
  const ranking = rankDevelopers(ticket, inputs, now);
  const top = ranking.candidates[0];
  if (!top) {
    throw new ConflictError("No developer of the team is available and under capacity.", "no_candidate", {
      excluded: ranking.excluded,
    });
  }
  return { userId: top.userId, score: { ...top, explanation: ranking.explanation } };
}

async function applyChange(
  deps: MailDeps,
  tx: Tx,
  actor: Actor,
  ticket: TicketRow,
  chosen: { userId: string | null; score: Chosen["score"] },
  strategy: Strategy | "unassign",
): Promise<Applied> {
  const [updated] = await tx
    .update(tickets)
    .set({ assigneeId: chosen.userId, updatedAt: sql`now()`, version: sql`${tickets.version} + 1` })
    .where(eq(tickets.id, ticket.id))
    .returning();
  if (!updated) throw new Error("the locked ticket vanished");
  if (chosen.userId) await touchLastAssigned(tx, chosen.userId);
  const [entry] = await tx
    .insert(assignmentHistory)
    .values({
      ticketId: ticket.id,
      assigneeId: chosen.userId,
      previousAssigneeId: ticket.assigneeId,
      actorId: actor.userId,
      strategy,
      score: chosen.score,
    })
    .returning();
  if (!entry) throw new Error("insert returned nothing");
  const type = chosen.userId ? "ticket.assigned" : "ticket.unassigned";
  await writeAudit(tx, actor, {
    action: type,
    entityType: "ticket",
    entityId: ticket.id,
    before: { assigneeId: ticket.assigneeId },
    after: { assigneeId: chosen.userId, strategy, ...(chosen.score ? { score: chosen.score.score } : {}) },
  });
  const notice = await noticeAssignment(deps, tx, actor.userId, ticket.assigneeId, updated);
  const payload = toTicket(updated);
  const eventId = await recordEvent(tx, { type, ticket: updated, payload });
  const notified = await recordNotificationEvents(tx, notice.ids);
  return {
    result: { ticket: payload, change: toAssignmentEntry(entry) },
    eventIds: [eventId, ...notified],
    mailQueued: notice.mailQueued,
  };
}

/** The new assignee watches and is told; the previous one is told too, if they can still see it. */
async function noticeAssignment(
  deps: MailDeps,
  tx: Tx,
  actorId: string,
  previous: string | null,
  ticket: TicketRow,
) {
  await addWatchers(tx, ticket.id, [ticket.assigneeId]);
  if (previous === ticket.assigneeId) return { ids: [], mailQueued: false };
  return writeNotifications(deps, tx, [
    { ticket, actorId, kind: "assigned", to: ticket.assigneeId ? [ticket.assigneeId] : [] },
    { ticket, actorId, kind: "unassigned", to: previous ? [previous] : [] },
  ]);
}
