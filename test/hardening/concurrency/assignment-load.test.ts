import { and, asc, inArray, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { assignmentHistory, auditLog, events, tickets } from "../../../src/db/schema.ts";
import { DEFAULT_PROFILE, OPEN_LOAD_STATUSES } from "../../../src/features/developers/queries.ts";
import { createDeveloper } from "../../support/factories/assignments.ts";
import { createTeam, insertTicket, type Person, ticketWorld } from "../../support/factories/tickets.ts";
import type { Session } from "../../support/factories.ts";
import { racesAreReal } from "../../support/races.ts";
import { burst, expectProblem, type Reply, sendJson, useLoadedApp } from "./support.ts";

const loaded = useLoadedApp();

const DEVELOPERS = [
  { capacity: 1 },
  { capacity: 2 },
  { capacity: 2 },
  { capacity: 3 },
  // No profile row yet: the first assignments racing for them create it (ON CONFLICT DO NOTHING).
  { capacity: DEFAULT_PROFILE.capacity, withoutProfile: true },
];
const CAPACITIES = DEVELOPERS.map((developer) => developer.capacity);
const TICKETS = 30;
const WAVES = 6;
const REFUSALS = ["at_capacity", "no_candidate", "already_assigned", "not_assigned"];
/** ~220 requests: 2–3 s alone, but several times that while the shared machine runs other suites. */
const TIMEOUT_MS = 60_000;

type Send = () => Promise<Response>;

/**
 * The load version of test/assignments/concurrency.test.ts: six waves of ~40 requests each over
 * a real HTTP server and the production pool size, against five developers with 13 slots between
 * them (one without a profile row yet) and 30 tickets. Each wave mixes auto-assignment (manager
 * and admin), manual assignment, self-assignment, reassignment of assigned tickets, unassignment
 * (which frees slots mid-wave) and second requests racing for the same ticket.
 *
 * Proven after every wave: every reply is 200 or a 409 problem with a known code, never a 5xx;
 * nobody holds more open tickets than their capacity. After all waves, from the outbox (whose ids
 * follow commit order): replaying every assignment event in order, nobody was ever over capacity
 * at any commit, not only at the end; history, audit and outbox hold exactly one row per change
 * answered 200, and agree with each other and with the final assignees.
 *
 * Fails if the capacity lock goes (`.for("update")` in lockDeveloperProfiles,
 * src/features/assignments/team-developers.ts): concurrent transactions then count the same free
 * slot and both take it (checked by removing it: after the first wave the capacity-1 developer
 * held 5 tickets in one run, the capacity-3 one 4 in another).
 */
describe.runIf(racesAreReal())("auto-assignment under load", () => {
  it("never exceeds capacity, never a 5xx, and history, audit and outbox match the answers", {
    timeout: TIMEOUT_MS,
  }, async () => {
    const { ctx, server } = loaded;
    const world = await ticketWorld(ctx);
    const team = await createTeam(ctx, { leads: [world.managerA.user.id] });
    const developers = await Promise.all(
      DEVELOPERS.map((setup) => createDeveloper(ctx, { teamId: team.id, ...setup })),
    );
    const ticketIds: string[] = [];
    for (let index = 0; index < TICKETS; index++) {
      ticketIds.push((await insertTicket(ctx, { reporterId: world.reporter.user.id, teamId: team.id })).id);
    }
    const post = (session: Session, ticketId: string, body: unknown) => () =>
      sendJson(server, "POST", `/v1/tickets/${ticketId}/assignment`, session, body);
    const remove = (session: Session, ticketId: string) => () =>
      server.request(`/v1/tickets/${ticketId}/assignment`, { method: "DELETE", headers: session.headers });
    const developerAt = (index: number) => developers[index % developers.length] as Person;

    const replies: Reply[] = [];
    for (let wave = 0; wave < WAVES; wave++) {
      const assignees = await assigneesOf(ticketIds);
      const plan = ticketIds.flatMap((ticketId, index): Send[] => {
        const developer = developerAt(index + wave);
        const assignee = assignees.get(ticketId);
        if (assignee) {
          const reassignTo = developerAt(index + wave + 1).user.id;
          // Half the held tickets are released, so freed slots are contested within the wave.
          if (index % 2 === wave % 2) return [remove(world.managerA.session, ticketId)];
          if (index % 4 < 2) return [post(world.admin.session, ticketId, { assigneeId: reassignTo })];
          return [post(world.managerA.session, ticketId, { strategy: "auto" })];
        }
        const auto = { strategy: "auto" };
        const requests = [
          post(world.managerA.session, ticketId, auto),
          post(world.admin.session, ticketId, auto),
          post(world.admin.session, ticketId, { assigneeId: developer.user.id }),
          post(developer.session, ticketId, { assigneeId: developer.user.id }),
        ];
        const planned = [requests[(index + wave) % requests.length] as Send];
        // A second request for every third free ticket: two assignments racing for one ticket.
        if (index % 3 === 0) planned.push(post(world.managerA.session, ticketId, auto));
        return planned;
      });

      const waveReplies = await burst(server, plan);
      replies.push(...waveReplies);
      for (const reply of waveReplies) {
        if (reply.status === 200) continue;
        expect(REFUSALS, reply.text).toContain(reply.body?.code);
        expectProblem(reply, 409, reply.body.code);
      }
      // The wave asked for more than there was room for, so capacity really was contested.
      expect(waveReplies.some((reply) => ["at_capacity", "no_candidate"].includes(reply.body?.code))).toBe(
        true,
      );
      const loads = await openLoads(developers.map((developer) => developer.user.id));
      developers.forEach((developer, index) => {
        expect(loads.get(developer.user.id) ?? 0).toBeLessThanOrEqual(CAPACITIES[index] as number);
      });
    }

    const changeIds = replies
      .filter((reply) => reply.status === 200 && reply.body.change !== null)
      .map((reply) => reply.body.change.id as string);
    const history = await ctx.deps.db
      .select()
      .from(assignmentHistory)
      .where(inArray(assignmentHistory.ticketId, ticketIds))
      .orderBy(asc(assignmentHistory.id));
    expect(history.map((row) => row.id).sort()).toEqual([...changeIds].sort());

    const audits = await ctx.deps.db
      .select({ action: auditLog.action })
      .from(auditLog)
      .where(
        and(
          inArray(auditLog.action, ["ticket.assigned", "ticket.unassigned"]),
          inArray(auditLog.entityId, ticketIds),
        ),
      );
    expect(audits).toHaveLength(history.length);

    const outbox = await ctx.deps.db
      .select({ ticketId: events.ticketId, assigneeId: events.assigneeId })
      .from(events)
      .where(
        and(
          inArray(events.type, ["ticket.assigned", "ticket.unassigned"]),
          inArray(events.ticketId, ticketIds),
        ),
      )
      .orderBy(asc(events.id));
    expect(outbox).toHaveLength(history.length);

    const finalAssignees = await assigneesOf(ticketIds);
    for (const ticketId of ticketIds) {
      const historySequence = history.filter((row) => row.ticketId === ticketId).map((row) => row.assigneeId);
      const eventSequence = outbox.filter((row) => row.ticketId === ticketId).map((row) => row.assigneeId);
      expect(eventSequence).toEqual(historySequence);
      expect(historySequence.at(-1) ?? null).toBe(finalAssignees.get(ticketId) ?? null);
    }

    const peaks = peakLoadsInCommitOrder(outbox);
    developers.forEach((developer, index) => {
      expect(peaks.get(developer.user.id) ?? 0).toBeLessThanOrEqual(CAPACITIES[index] as number);
    });
    // Every developer was filled at some point: the bound above was reached, not just respected.
    developers.forEach((developer, index) => {
      expect(peaks.get(developer.user.id)).toBe(CAPACITIES[index]);
    });
  });
});

async function assigneesOf(ticketIds: string[]): Promise<Map<string, string | null>> {
  const rows = await loaded.ctx.deps.db
    .select({ id: tickets.id, assigneeId: tickets.assigneeId })
    .from(tickets)
    .where(inArray(tickets.id, ticketIds));
  return new Map(rows.map((row) => [row.id, row.assigneeId]));
}

/** Open, undeleted tickets per developer, counted in SQL over the whole database. */
async function openLoads(developerIds: string[]): Promise<Map<string, number>> {
  const rows = await loaded.ctx.deps.db
    .select({ assigneeId: tickets.assigneeId, load: sql<number>`count(*)::int` })
    .from(tickets)
    .where(
      and(
        inArray(tickets.assigneeId, developerIds),
        sql`${tickets.deletedAt} is null`,
        inArray(tickets.status, [...OPEN_LOAD_STATUSES]),
      ),
    )
    .groupBy(tickets.assigneeId);
  return new Map(rows.map((row) => [row.assigneeId as string, row.load]));
}

/**
 * Replays assignment events in id order, which is commit order (src/features/events/record.ts),
 * and returns each developer's highest load at any commit. Every ticket starts unassigned and open.
 */
function peakLoadsInCommitOrder(outbox: { ticketId: string; assigneeId: string | null }[]) {
  const holder = new Map<string, string | null>();
  const load = new Map<string, number>();
  const peak = new Map<string, number>();
  for (const event of outbox) {
    const previous = holder.get(event.ticketId);
    if (previous) load.set(previous, (load.get(previous) ?? 0) - 1);
    holder.set(event.ticketId, event.assigneeId);
    if (event.assigneeId) {
      const now = (load.get(event.assigneeId) ?? 0) + 1;
      load.set(event.assigneeId, now);
      peak.set(event.assigneeId, Math.max(peak.get(event.assigneeId) ?? 0, now));
    }
  }
  return peak;
}
