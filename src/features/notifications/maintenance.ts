import { and, inArray, isNotNull, lt, sql } from "drizzle-orm";
import { dueReminders, notifications, tickets } from "../../db/schema.ts";
import { type EventDeps, publishEvents } from "../events/publish.ts";
import { type TicketRow, ticketColumns } from "../tickets/access.ts";
import { notify, watchersOf } from "./notify.ts";

const SWEEP_BATCH = 200;
const PRUNE_BATCH = 5000;
const MAX_PRUNE_BATCHES = 20;
/** A due date that passed longer ago than this is not reminded (a first sweep after an outage). */
const OVERDUE_LOOKBACK_HOURS = 24;

/**
 * The due-date reminders (part of the once-a-minute maintenance pass): every SLA date of a live,
 * unresolved ticket that falls within NOTIFICATIONS_DUE_SOON_MINUTES (`due_soon`) or has just
 * passed (`overdue`) is claimed once in due_reminders (ticket, kind, field, date: a moved date is
 * reminded again) and its watchers are told, in the claim's transaction. Idempotent: overlapping
 * passes on several instances claim disjoint rows (ON CONFLICT DO NOTHING). Returns how many.
 */
export async function sweepDueDates(deps: EventDeps): Promise<number> {
  const soon = sql`now() + make_interval(mins => ${deps.config.NOTIFICATIONS_DUE_SOON_MINUTES}::int)`;
  const since = sql`now() - make_interval(hours => ${OVERDUE_LOOKBACK_HOURS}::int)`;
  const { eventIds, claimed } = await deps.db.transaction(async (tx) => {
    const due = sql`(
      select ${tickets.id} as ticket_id, f.field, f.due_at from ${tickets}
      cross join lateral (values
        ('dueAt', ${tickets.dueAt}),
        ('resolutionDueAt', ${tickets.resolutionDueAt}),
        ('firstResponseDueAt', case when ${tickets.firstRespondedAt} is null then ${tickets.firstResponseDueAt} end)
      ) as f(field, due_at)
      where ${tickets.deletedAt} is null and ${tickets.status} not in ('resolved', 'closed')
        and f.due_at > ${since} and f.due_at <= ${soon}
      limit ${SWEEP_BATCH * 4}
    )`;
    const claims = await tx
      .insert(dueReminders)
      .select(
        tx
          .select({
            ticketId: sql`d.ticket_id`.as("ticket_id"),
            kind: sql`(case when d.due_at <= now() then 'overdue' else 'due_soon' end)::notification_kind`.as(
              "kind",
            ),
            field: sql`d.field`.as("field"),
            dueAt: sql`d.due_at`.as("due_at"),
            createdAt: sql`now()`.as("created_at"),
          })
          .from(sql`${due} as d`)
          .limit(SWEEP_BATCH),
      )
      .onConflictDoNothing()
      .returning();
    if (claims.length === 0) return { eventIds: [], claimed: 0 };
    const rows = await tx
      .select(ticketColumns)
      .from(tickets)
      .where(inArray(tickets.id, [...new Set(claims.map((claim) => claim.ticketId))]));
    const byId = new Map<string, TicketRow>(rows.map((row) => [row.id, row]));
    const changes = claims.flatMap((claim) => {
      const ticket = byId.get(claim.ticketId);
      if (!ticket) return [];
      const data = { field: claim.field, dueAt: claim.dueAt.toISOString() };
      return [{ ticket, actorId: null, kind: claim.kind, to: watchersOf(ticket.id), data }];
    });
    // Reminder mail is not kicked: the job runner's own poll (Node) or the same cron's dispatch
    // (Workers) sends it within its interval, which is soon enough for a reminder.
    const { eventIds } = await notify(deps, tx, changes);
    return { eventIds, claimed: claims.length };
  });
  await publishEvents(deps, eventIds);
  return claimed;
}

/** Deletes notifications read more than NOTIFICATIONS_RETENTION_DAYS ago, in bounded statements. */
export async function pruneReadNotifications(deps: Pick<EventDeps, "db" | "config">): Promise<number> {
  const cutoff = sql`now() - make_interval(days => ${deps.config.NOTIFICATIONS_RETENTION_DAYS}::int)`;
  let pruned = 0;
  for (let batch = 0; batch < MAX_PRUNE_BATCHES; batch++) {
    const expired = deps.db
      .select({ id: notifications.id })
      .from(notifications)
      .where(and(isNotNull(notifications.readAt), lt(notifications.readAt, cutoff)))
      .limit(PRUNE_BATCH);
    const deleted = await deps.db
      .delete(notifications)
      .where(inArray(notifications.id, expired))
      .returning({ id: notifications.id });
    pruned += deleted.length;
    if (deleted.length < PRUNE_BATCH) break;
  }
  // Reminders of dates long past can never be claimed again: keep the table small.
  await deps.db
    .delete(dueReminders)
    .where(
      lt(
        dueReminders.dueAt,
        sql`now() - make_interval(days => ${deps.config.NOTIFICATIONS_RETENTION_DAYS}::int)`,
      ),
    );
  return pruned;
}
