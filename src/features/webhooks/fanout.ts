import { eq, sql } from "drizzle-orm";
import { rowsOf } from "../../db/rows.ts";
import {
  events,
  teamMembers,
  users,
  webhookDeliveries,
  webhookEndpoints,
  webhookFanout,
} from "../../db/schema.ts";
import type { Deps } from "../../deps.ts";
import { kickJobs } from "../jobs/enqueue.ts";
import { insertDeliveryJobsFrom } from "./delivery-job.ts";

/** `jobs` wakes the runners at once; without it (a cron tick) they find the jobs at their next poll. */
export type FanoutDeps = Pick<Deps, "db" | "logger" | "metrics"> & Partial<Pick<Deps, "jobs">>;

const BATCH = 200;

/**
 * Turns committed outbox events into webhook deliveries, off the write path: services call it
 * after commit (with the live-event publish) and the relay pass calls it for anything left behind.
 * Each batch is one statement, atomic on its own: it locks the fan-out watermark row, inserts the
 * deliveries and their jobs, and advances the watermark, so an event's deliveries exist exactly
 * when the watermark passed it: none lost, none doubled. A pass that finds the row locked leaves
 * the work to the one holding it, which keeps going until a batch finds nothing new.
 * Returns how many deliveries were made.
 */
export async function fanOutEvents(deps: FanoutDeps, maxBatches = 20): Promise<number> {
  let made = 0;
  for (let batch = 0; batch < maxBatches; batch++) {
    const [result] = rowsOf<{ advanced: boolean; full: boolean; made: number }>(
      await deps.db.execute(fanOutBatch),
    );
    if (!result?.advanced) break;
    made += result.made;
    // A short batch took every event committed when it started; later ones get their own pass.
    if (!result.full) break;
  }
  if (made > 0 && deps.jobs) kickJobs({ jobs: deps.jobs });
  return made;
}

const passes = new WeakMap<FanoutDeps["db"], { again: boolean; done: Promise<void> }>();

/**
 * One fan-out pass at a time per database client. Fifty writers committing together each started
 * a pass: fifty transactions contending for the watermark row, all but one finding it locked
 * (about 8 % of a write's CPU, bench/write-path-budgets.ts). A call made during a pass asks for one
 * more pass after it, which sees every event committed before the call. On Workers each request
 * has its own client, so nothing is shared across requests.
 */
function fanOutCoalesced(deps: FanoutDeps): Promise<void> {
  const running = passes.get(deps.db);
  if (running) {
    running.again = true;
    return running.done;
  }
  const state = { again: true, done: Promise.resolve() };
  state.done = (async () => {
    try {
      while (state.again) {
        state.again = false;
        await fanOutEvents(deps);
      }
    } finally {
      passes.delete(deps.db);
    }
  })();
  passes.set(deps.db, state);
  return state.done;
}

/** The pass as a side effect (after commit, in the relay): a failure is logged, the next pass retries. */
export async function fanOutQuietly(deps: FanoutDeps, options: { countBacklog?: boolean } = {}) {
  try {
    await fanOutCoalesced(deps);
    if (options.countBacklog) deps.metrics.webhookBacklog(await countPending(deps));
  } catch (error) {
    deps.logger.warn("webhook fan-out failed; the next pass retries", { error });
  }
}

/** Served by the partial index on pending deliveries. */
async function countPending(deps: Pick<Deps, "db">): Promise<number> {
  const [row] = await deps.db
    .select({ pending: sql<number>`count(*)::int` })
    .from(webhookDeliveries)
    .where(eq(webhookDeliveries.status, "pending"));
  return row?.pending ?? 0;
}

/**
 * Which endpoints an event goes to: enabled; of the event's type (or every type); of its team
 * when the endpoint names one; internal events only where admins allowed them; and an endpoint a
 * manager made only while that manager is an active manager leading its team.
 */
const matches = sql`
  w.enabled
  and (w.event_types is null or e.type = any(w.event_types))
  and (w.team_id is null or e.team_id = w.team_id)
  and (e.visibility = 'public' or w.include_internal)
  and (w.manager_id is null or exists (
    select 1 from ${teamMembers} m join ${users} u on u.id = m.user_id
    where m.user_id = w.manager_id and m.team_id = w.team_id and m.role = 'lead'
      and u.role = 'manager' and u.status = 'active'))`;

/** The catalogue's envelope (src/features/events/channels.ts toEnvelope), built in SQL. */
const envelope = sql`jsonb_build_object(
  'id', e.id, 'type', e.type, 'ticketId', e.ticket_id, 'teamId', e.team_id,
  'reporterId', e.reporter_id, 'assigneeId', e.assignee_id, 'visibility', e.visibility,
  'payload', e.payload,
  'createdAt', to_char(e.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))`;

/**
 * One batch. The lock comes back with the watermark's latest committed value (PostgreSQL re-reads
 * a row it locks), while the events are those of the statement's snapshot: an event it cannot see
 * committed after it started, and event ids follow commit order (src/features/events/record.ts),
 * so every event it cannot see has an id above the new watermark and is left for the next batch.
 * The bounds are scalar subqueries, so they become index conditions on the events' key: joined as
 * rows, the plan read every event from the first (at 137k events, so costly that PostgreSQL
 * JIT-compiled it, and a delivery took a second instead of 20 ms).
 * Before this was one statement, the pass took seven round trips and sent every new delivery's id
 * to the application and back to make its job (issue 12: with five endpoints, five per write).
 */
export const fanOutBatch = sql`
  with mark as (
    select last_event_id from ${webhookFanout} where id = 1 for update skip locked
  ), next as (
    select e.id from ${events} e where e.id > (select last_event_id from mark) order by e.id limit ${BATCH}
  ), batch as (
    select max(id) as last, count(*) as events from next
  ), made as (
    insert into ${webhookDeliveries} (endpoint_id, event_id, message_id, event_type, payload)
    select w.id, e.id, 'evt_' || e.id, e.type::text, ${envelope}
    from ${events} e join ${webhookEndpoints} w on ${matches}
    where e.id > (select last_event_id from mark) and e.id <= (select last from batch)
    on conflict do nothing
    returning id, endpoint_id
  ), queued as (
    ${insertDeliveryJobsFrom(sql`made`)}
  ), advanced as (
    update ${webhookFanout} set last_event_id = batch.last from batch
    where ${webhookFanout.id} = 1 and batch.last is not null
    returning 1
  )
  select exists (select 1 from advanced) as advanced, (select events from batch) = ${BATCH} as full,
    (select count(*) from queued)::int as made`;
