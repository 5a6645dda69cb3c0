import { and, eq, inArray, isNull } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { tickets } from "../../../src/db/schema.ts";
import { createDeveloper } from "../../support/factories/assignments.ts";
import { createTeam, insertTicket, type Person, ticketWorld } from "../../support/factories/tickets.ts";
import type { Session } from "../../support/factories.ts";
import { racesAreReal } from "../../support/races.ts";
import { burst, expectProblem, sendJson, useLoadedApp } from "./support.ts";

const loaded = useLoadedApp();

const CAPACITY = 3;
const REQUESTS = 8;
const TIMEOUT_MS = 60_000;

type World = Awaited<ReturnType<typeof ticketWorld>>;
type Scene = { world: World; teamId: string; developer: Person };
type TicketValues = Partial<typeof tickets.$inferInsert>;

/**
 * One developer with room for CAPACITY tickets, and REQUESTS concurrent requests that would each
 * add one ticket to their open load, by one path. Exactly CAPACITY succeed whatever the
 * interleaving; the rest are 409 with the path's refusal, and the load ends at CAPACITY.
 *
 * Fails without the profile-row lock taken before the load is counted (assertRoomToReturn for
 * returns and restores, assignTicket for assignments): on PostgreSQL the concurrent transactions
 * then all count the same free slots (checked by removing the lockDeveloperProfiles call from
 * src/features/assignments/capacity.ts: 8 of 8 status steps succeeded). On PGlite the same
 * mutation passes (one transaction at a time), so there the burst is reported as skipped.
 */
const PATHS: {
  name: string;
  refusal: string;
  /** The ticket as it is before its request; the developer is the assignee unless `unassigned`. */
  ticket: TicketValues & { unassigned?: true };
  send: (scene: Scene, ticketId: string) => Promise<Response>;
}[] = [
  {
    name: "manual assignment by the team's lead",
    refusal: "at_capacity",
    ticket: { status: "open", unassigned: true },
    send: ({ world, developer }, id) =>
      post(world.managerA.session, `/v1/tickets/${id}/assignment`, { assigneeId: developer.user.id }),
  },
  {
    name: "self-assignment",
    refusal: "at_capacity",
    ticket: { status: "open", unassigned: true },
    send: ({ developer }, id) =>
      post(developer.session, `/v1/tickets/${id}/assignment`, { assigneeId: developer.user.id }),
  },
  {
    name: "auto-assignment (the team's only developer)",
    refusal: "no_candidate",
    ticket: { status: "open", unassigned: true },
    send: ({ world }, id) =>
      post(world.managerA.session, `/v1/tickets/${id}/assignment`, { strategy: "auto" }),
  },
  {
    name: "resolved → in_progress by the assignee",
    refusal: "at_capacity",
    ticket: { status: "resolved", resolvedAt: new Date() },
    send: ({ developer }, id) => patch(developer.session, id, { status: "in_progress" }),
  },
  {
    name: "closed → open by the reporter",
    refusal: "at_capacity",
    ticket: { status: "closed", resolvedAt: new Date(), closedAt: new Date() },
    send: ({ world }, id) => patch(world.reporter.session, id, { status: "open" }),
  },
  {
    name: "restore of a deleted in-progress ticket",
    refusal: "at_capacity",
    ticket: { status: "in_progress", deletedAt: new Date() },
    send: ({ world }, id) => post(world.managerA.session, `/v1/tickets/${id}/restore`, undefined),
  },
];

function post(session: Session, path: string, body: unknown) {
  if (body === undefined) return loaded.server.request(path, { method: "POST", headers: session.headers });
  return sendJson(loaded.server, "POST", path, session, body);
}

function patch(session: Session, id: string, body: unknown) {
  return sendJson(loaded.server, "PATCH", `/v1/tickets/${id}`, session, body);
}

async function openLoadOf(userId: string): Promise<number> {
  const rows = await loaded.ctx.deps.db
    .select({ id: tickets.id })
    .from(tickets)
    .where(
      and(
        eq(tickets.assigneeId, userId),
        isNull(tickets.deletedAt),
        inArray(tickets.status, ["open", "in_progress", "blocked"]),
      ),
    );
  return rows.length;
}

describe.runIf(racesAreReal())("every path that adds load, in a burst against one developer", () => {
  it.each(PATHS)("$name: exactly capacity succeed", { timeout: TIMEOUT_MS }, async (path) => {
    const { ctx, server } = loaded;
    const world = await ticketWorld(ctx);
    const team = await createTeam(ctx, { leads: [world.managerA.user.id] });
    const developer = await createDeveloper(ctx, { teamId: team.id, capacity: CAPACITY });
    const scene = { world, teamId: team.id, developer };
    const { unassigned, ...values } = path.ticket;
    const ids: string[] = [];
    for (let index = 0; index < REQUESTS; index++) {
      const ticket = await insertTicket(ctx, {
        reporterId: world.reporter.user.id,
        teamId: team.id,
        assigneeId: unassigned ? null : developer.user.id,
        ...values,
      });
      ids.push(ticket.id);
    }
    expect(await openLoadOf(developer.user.id)).toBe(0);

    const replies = await burst(
      server,
      ids.map((id) => () => path.send(scene, id)),
    );

    const succeeded = replies.filter((reply) => reply.status === 200);
    expect(succeeded, JSON.stringify(replies.map((reply) => reply.body?.code ?? reply.status))).toHaveLength(
      CAPACITY,
    );
    for (const reply of replies.filter((candidate) => candidate.status !== 200))
      expectProblem(reply, 409, path.refusal);
    expect(await openLoadOf(developer.user.id)).toBe(CAPACITY);
  });

  it("every path at once: still exactly capacity", { timeout: TIMEOUT_MS }, async () => {
    const { ctx, server } = loaded;
    const world = await ticketWorld(ctx);
    const team = await createTeam(ctx, { leads: [world.managerA.user.id] });
    const developer = await createDeveloper(ctx, { teamId: team.id, capacity: CAPACITY });
    const scene = { world, teamId: team.id, developer };
    const sends: (() => Promise<Response>)[] = [];
    for (const path of [...PATHS, ...PATHS]) {
      const { unassigned, ...values } = path.ticket;
      const ticket = await insertTicket(ctx, {
        reporterId: world.reporter.user.id,
        teamId: team.id,
        assigneeId: unassigned ? null : developer.user.id,
        ...values,
      });
      sends.push(() => path.send(scene, ticket.id));
    }

    const replies = await burst(server, sends);

    expect(replies.filter((reply) => reply.status === 200)).toHaveLength(CAPACITY);
    for (const reply of replies.filter((candidate) => candidate.status !== 200))
      expect(["at_capacity", "no_candidate"]).toContain(reply.body?.code);
    expect(await openLoadOf(developer.user.id)).toBe(CAPACITY);
  });
});
