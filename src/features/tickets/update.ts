import { and, eq, type SQL, sql } from "drizzle-orm";
import { tickets } from "../../db/schema.ts";
import type { Deps } from "../../deps.ts";
import type { Actor } from "../../lib/actor.ts";
import { writeAudit } from "../../lib/audit.ts";
import { ConflictError } from "../../lib/errors.ts";
import { assertRoomToReturn } from "../assignments/capacity.ts";
import { invalidateDeveloperLoads } from "../developers/cache.ts";
import { publishAfterCommit } from "../events/publish.ts";
import { recordEvent } from "../events/record.ts";
import { sendQueuedMail } from "../mail/outbox.ts";
import { recordNotificationEvents } from "../notifications/live.ts";
import { loadVisibleTicket, type TicketRow } from "./access.ts";
import { assertVersion, auditView, slaDue, type Tx } from "./mutations.ts";
import { mentionsOfTicket, noticeTicketChange } from "./notices.ts";
import { authorizePatch, relationTo } from "./permissions.ts";
import { toTicket } from "./presenter.ts";
import { requireCategory, requireTeam } from "./references.ts";
import type { Ticket, UpdateTicket } from "./schemas.ts";
import { statusTimestamps } from "./workflow.ts";

type Changes = Partial<Record<keyof TicketRow, unknown>>;
const PLAIN_FIELDS = ["title", "description", "priority", "categoryId", "teamId", "tags"] as const;
const DATE_FIELDS = ["dueAt", "firstResponseDueAt", "resolutionDueAt"] as const;

/**
 * JSON Merge Patch of a ticket, in one transaction: the row is locked, If-Match checked (412), the
 * caller's rights checked field by field (403) and the status step against the workflow (409);
 * then one conditional update and its audit rows (`ticket.updated` for fields,
 * `ticket.status_changed` for the step). A patch that changes nothing writes nothing.
 *
 * A priority change recomputes the SLA due dates from createdAt with the new priority's policy
 * (the first-response one only while no first response happened), unless the same patch
 * overrides them; earlier manual overrides are replaced.
 */
export async function updateTicket(
  deps: Deps,
  actor: Actor,
  id: string,
  patch: UpdateTicket,
  expectedVersion?: number,
): Promise<Ticket> {
  const { row, mentions, eventIds, mailQueued } = await deps.db.transaction(async (tx) => {
    const current = await loadVisibleTicket(tx, actor, id, { forUpdate: true });
    assertVersion(current, expectedVersion);
    const relation = await relationTo(tx, actor, current);
    authorizePatch(actor, current, relation, patch, {
      now: deps.clock.now(),
      reopenWindowDays: deps.config.REOPEN_WINDOW_DAYS,
    });
    if (patch.categoryId && patch.categoryId !== current.categoryId)
      await requireCategory(tx, patch.categoryId);
    if (patch.teamId && patch.teamId !== current.teamId) await requireTeam(tx, patch.teamId);

    const changes = changesOf(current, patch);
    if (Object.keys(changes).length === 0)
      return { row: current, mentions: await mentionsOfTicket(tx, current), eventIds: [] };
    if (changes.status)
      await assertRoomToReturn(tx, actor, current, { status: String(changes.status), deleted: false });
    const set: Record<string, unknown> = { ...changes };
    if (changes.priority !== undefined) Object.assign(set, slaRecomputed(deps, current, patch));
    const step = changes.status
      ? statusTimestamps(current.status, patch.status ?? current.status, sql`now()`)
      : {};
    Object.assign(set, step);

    const [updated] = await tx
      .update(tickets)
      .set({
        ...(set as Partial<typeof tickets.$inferInsert>),
        updatedAt: sql`now()`,
        version: sql`${tickets.version} + 1`,
      })
      .where(and(eq(tickets.id, current.id), eq(tickets.version, current.version)))
      .returning();
    if (!updated) throw new ConflictError("The ticket changed meanwhile; retry.", "concurrent_update");
    await auditUpdate(tx, actor, current, updated);
    const { notificationIds, mailQueued, ...mentions } = await noticeTicketChange(
      deps,
      tx,
      actor.userId,
      current,
      updated,
    );
    const eventIds = await recordUpdateEvents(tx, changes, updated);
    eventIds.push(...(await recordNotificationEvents(tx, notificationIds)));
    return { row: updated, mentions, eventIds, mailQueued };
  });
  publishAfterCommit(deps, eventIds);
  if (mailQueued) sendQueuedMail(deps);
  // An assigned ticket leaving or re-entering the open statuses changes its assignee's load.
  if (row.assigneeId && patch.status !== undefined) await invalidateDeveloperLoads(deps);
  return { ...toTicket(row), ...mentions };
}

/** Only the fields whose value really differs, so an idempotent PATCH leaves no trace. */
function changesOf(current: TicketRow, patch: UpdateTicket): Changes {
  const changes: Changes = {};
  for (const field of PLAIN_FIELDS) {
    const value = patch[field];
    if (value !== undefined && JSON.stringify(value) !== JSON.stringify(current[field]))
      changes[field] = value;
  }
  for (const field of DATE_FIELDS) {
    const value = patch[field];
    if (value !== undefined && value?.getTime() !== current[field]?.getTime()) changes[field] = value;
  }
  if (patch.status !== undefined && patch.status !== current.status) changes.status = patch.status;
  return changes;
}

function slaRecomputed(deps: Deps, current: TicketRow, patch: UpdateTicket): Record<string, SQL> {
  const sla = deps.config.SLA_POLICY[patch.priority ?? current.priority];
  const set: Record<string, SQL> = {};
  if (patch.resolutionDueAt === undefined) set.resolutionDueAt = slaDue("created", sla.resolutionMinutes);
  if (patch.firstResponseDueAt === undefined && current.firstRespondedAt === null) {
    set.firstResponseDueAt = slaDue("created", sla.firstResponseMinutes);
  }
  return set;
}

/** `ticket.updated` for field changes, `ticket.status_changed` for a workflow step, or both. */
async function recordUpdateEvents(tx: Tx, changes: Changes, after: TicketRow): Promise<number[]> {
  const { status, ...fields } = changes;
  const types = [
    ...(Object.keys(fields).length > 0 ? (["ticket.updated"] as const) : []),
    ...(status !== undefined ? (["ticket.status_changed"] as const) : []),
  ];
  const payload = toTicket(after);
  const ids: number[] = [];
  for (const type of types) ids.push(await recordEvent(tx, { type, ticket: after, payload }));
  return ids;
}

const STEP_FIELDS = new Set(["status", "resolvedAt", "closedAt"]);

async function auditUpdate(tx: Tx, actor: Actor, before: TicketRow, after: TicketRow): Promise<void> {
  const [fieldsBefore, fieldsAfter] = [auditView(before), auditView(after)];
  const pick = (view: Record<string, unknown>, step: boolean) =>
    Object.fromEntries(Object.entries(view).filter(([key]) => STEP_FIELDS.has(key) === step));
  const changed = (a: Record<string, unknown>, b: Record<string, unknown>) =>
    Object.keys(a).some((key) => JSON.stringify(a[key]) !== JSON.stringify(b[key]));

  const [plainBefore, plainAfter] = [pick(fieldsBefore, false), pick(fieldsAfter, false)];
  if (changed(plainBefore, plainAfter)) {
    await writeAudit(tx, actor, {
      action: "ticket.updated",
      entityType: "ticket",
      entityId: after.id,
      before: plainBefore,
      after: plainAfter,
    });
  }
  if (before.status !== after.status) {
    await writeAudit(tx, actor, {
      action: "ticket.status_changed",
      entityType: "ticket",
      entityId: after.id,
      before: pick(fieldsBefore, true),
      after: pick(fieldsAfter, true),
    });
  }
}
