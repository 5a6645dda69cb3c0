import { and, eq, sql } from "drizzle-orm";
import { tickets } from "../../db/schema.ts";
import type { Deps } from "../../deps.ts";
import type { Actor } from "../../lib/actor.ts";
import { writeAudit } from "../../lib/audit.ts";
import { ConflictError, ForbiddenError } from "../../lib/errors.ts";
import { assertRoomToReturn } from "../assignments/capacity.ts";
import { invalidateDeveloperLoads } from "../developers/cache.ts";
import { publishAfterCommit } from "../events/publish.ts";
import { recordEvent } from "../events/record.ts";
import { sendQueuedMail } from "../mail/outbox.ts";
import { recordNotificationEvents } from "../notifications/live.ts";
import { loadVisibleTicket, type TicketRow, teamsLedBy } from "./access.ts";
import { assertVersion, auditView, slaDue, type Tx } from "./mutations.ts";
import { mentionsOfTicket, noticeTicketChange } from "./notices.ts";
import { toTicket } from "./presenter.ts";
import { requireCategory, requireTeam } from "./references.ts";
import type { CreateTicket, Ticket } from "./schemas.ts";

/**
 * Anyone signed in may report a ticket. The team is the explicit `teamId` (not for reporters),
 * else the category's default team, else none; SLA due dates follow the priority's policy.
 */
export async function createTicket(deps: Deps, actor: Actor, input: CreateTicket): Promise<Ticket> {
  if (input.teamId !== undefined && actor.role === "reporter") {
    throw new ForbiddenError("Reporters cannot choose the team.", "fields_forbidden", [
      { path: "body.teamId", message: "reporters cannot choose the team" },
    ]);
  }
  const sla = deps.config.SLA_POLICY[input.priority];
  const { row, mentions, eventIds, mailQueued } = await deps.db.transaction(async (tx) => {
    const category = input.categoryId ? await requireCategory(tx, input.categoryId) : undefined;
    if (input.teamId) await requireTeam(tx, input.teamId);
    const teamId = input.teamId !== undefined ? input.teamId : (category?.defaultTeamId ?? null);
    const [created] = await tx
      .insert(tickets)
      .values({
        title: input.title,
        description: input.description,
        priority: input.priority,
        categoryId: input.categoryId ?? null,
        teamId,
        reporterId: actor.userId,
        tags: input.tags,
        dueAt: input.dueAt ?? null,
        firstResponseDueAt: slaDue("now", sla.firstResponseMinutes),
        resolutionDueAt: slaDue("now", sla.resolutionMinutes),
      })
      .returning();
    const ticket = created as TicketRow;
    await writeAudit(tx, actor, {
      action: "ticket.created",
      entityType: "ticket",
      entityId: ticket.id,
      after: auditView(ticket),
    });
    const { notificationIds, mailQueued, ...mentions } = await noticeTicketChange(
      deps,
      tx,
      actor.userId,
      null,
      ticket,
    );
    const eventId = await recordEvent(tx, { type: "ticket.created", ticket, payload: toTicket(ticket) });
    const notified = await recordNotificationEvents(tx, notificationIds);
    return { row: ticket, mentions, eventIds: [eventId, ...notified], mailQueued };
  });
  publishAfterCommit(deps, eventIds);
  if (mailQueued) sendQueuedMail(deps);
  return { ...toTicket(row), ...mentions };
}

/** Managers and admins also see soft-deleted tickets here (with `deletedAt`), to restore them. */
export async function getTicket(deps: Deps, actor: Actor, id: string): Promise<Ticket> {
  const row = await loadVisibleTicket(deps.db, actor, id, { includeDeleted: true });
  return { ...toTicket(row), ...(await mentionsOfTicket(deps.db, row)) };
}

/** Soft delete (manager of the ticket's team, or admin): the ticket is 404 to everyone else after. */
export async function deleteTicket(deps: Deps, actor: Actor, id: string, expectedVersion?: number) {
  const { assigneeId, eventId } = await deps.db.transaction(async (tx) => {
    const current = await loadVisibleTicket(tx, actor, id, { forUpdate: true });
    await assertManages(tx, actor, current, "delete");
    assertVersion(current, expectedVersion);
    const row = await setDeleted(tx, current, sql`now()`);
    await writeAudit(tx, actor, {
      action: "ticket.deleted",
      entityType: "ticket",
      entityId: id,
      before: { deletedAt: null },
      after: { deletedAt: toTicket(row).deletedAt },
    });
    // A tombstone: the content leaves the event history of those who may no longer see it.
    const { key, version, deletedAt } = toTicket(row);
    const payload = { id: row.id, key, version, deletedAt };
    const eventId = await recordEvent(tx, { type: "ticket.deleted", ticket: row, payload });
    return { assigneeId: row.assigneeId, eventId };
  });
  publishAfterCommit(deps, [eventId]);
  if (assigneeId) await invalidateDeveloperLoads(deps);
}

export async function restoreTicket(deps: Deps, actor: Actor, id: string, expectedVersion?: number) {
  const { row, eventId } = await deps.db.transaction(async (tx) => {
    const current = await loadVisibleTicket(tx, actor, id, { includeDeleted: true, forUpdate: true });
    await assertManages(tx, actor, current, "restore");
    if (!current.deletedAt) throw new ConflictError("The ticket is not deleted.", "ticket_not_deleted");
    assertVersion(current, expectedVersion);
    await assertRoomToReturn(tx, actor, current, { status: current.status, deleted: false });
    const restored = await setDeleted(tx, current, null);
    await writeAudit(tx, actor, {
      action: "ticket.restored",
      entityType: "ticket",
      entityId: id,
      before: { deletedAt: current.deletedAt.toISOString() },
      after: { deletedAt: null },
    });
    const payload = toTicket(restored);
    const eventId = await recordEvent(tx, { type: "ticket.restored", ticket: restored, payload });
    return { row: restored, eventId };
  });
  publishAfterCommit(deps, [eventId]);
  if (row.assigneeId) await invalidateDeveloperLoads(deps);
  return toTicket(row);
}

async function setDeleted(tx: Tx, current: TicketRow, deletedAt: ReturnType<typeof sql> | null) {
  const [row] = await tx
    .update(tickets)
    .set({ deletedAt, updatedAt: sql`now()`, version: sql`${tickets.version} + 1` })
    .where(and(eq(tickets.id, current.id), eq(tickets.version, current.version)))
    .returning();
  if (!row) throw new ConflictError("The ticket changed meanwhile; retry.", "concurrent_update");
  return row;
}

async function assertManages(tx: Tx, actor: Actor, ticket: TicketRow, verb: string): Promise<void> {
  if (actor.role === "admin") return;
  const led = actor.role === "manager" ? await teamsLedBy(tx, actor.userId) : new Set<string>();
  if (ticket.teamId !== null && led.has(ticket.teamId)) return;
  throw new ForbiddenError(
    `Only a manager of the ticket's team or an admin can ${verb} it.`,
    "not_team_manager",
  );
}
