import { and, eq, isNull } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditLog, events, tickets } from "../../../src/db/schema.ts";
import { createDeveloper } from "../../support/factories/assignments.ts";
import { insertTicket, ticketWorld } from "../../support/factories/tickets.ts";
import { racesAreReal } from "../../support/races.ts";
import { burst, countBy, expectProblem, sendJson, useLoadedApp } from "./support.ts";

const loaded = useLoadedApp();
const CONTENDERS = 50;
// Never the inserted ticket's "medium": every field of every body is then a real change.
const PRIORITIES = ["low", "high", "urgent"] as const;

/**
 * 50 PATCHes carrying the same If-Match race for one ticket; each body differs, so the stored
 * ticket names its winner. The service locks the row (SELECT … FOR UPDATE) before comparing the
 * version, so the losers wait for the winner's commit and then see the new version: 412.
 *
 * Fails if the row lock goes (`forUpdate: true` in src/features/tickets/update.ts): losers read
 * version 1 before the winner commits and fall through to the conditional update, which then
 * matches nothing: 409 `concurrent_update` instead of 412 (checked once by removing it). Without
 * the conditional update's `version = …` as well, several PATCHes win and the version and the
 * audit and outbox rows grow by more than one.
 */
describe.runIf(racesAreReal())("50 concurrent PATCHes with the same If-Match", () => {
  it("one wins with its own body; 49 get 412 with currentVersion; one audit row, one event", async () => {
    const { ctx, server } = loaded;
    const world = await ticketWorld(ctx);
    const ticket = await insertTicket(ctx, { reporterId: world.reporter.user.id, teamId: world.teamA.id });
    const bodyOf = (index: number) => ({
      title: `Contender ${index}`,
      priority: PRIORITIES[index % PRIORITIES.length],
      tags: [`contender-${index}`],
    });
    // The team's manager and the admin both may change every field: two callers, one race.
    const callers = [world.managerA.session, world.admin.session];

    const replies = await burst(
      server,
      Array.from(
        { length: CONTENDERS },
        (_, index) => () =>
          sendJson(server, "PATCH", `/v1/tickets/${ticket.id}`, callers[index % 2] ?? null, bodyOf(index), {
            "If-Match": '"1"',
          }),
      ),
    );

    expect(countBy(replies, (reply) => String(reply.status))).toEqual({ 200: 1, 412: CONTENDERS - 1 });
    const winner = replies.find((reply) => reply.status === 200);
    const winnerIndex = Number(/^Contender (\d+)$/.exec(winner?.body.title)?.[1]);
    const winnerBody = bodyOf(winnerIndex);
    expect(winner?.body).toMatchObject({ ...winnerBody, version: 2 });
    expect(winner?.headers.get("ETag")).toBe('"2"');
    for (const loser of replies.filter((reply) => reply.status === 412)) {
      expectProblem(loser, 412, "precondition_failed");
      expect(loser.body.currentVersion).toBe(2);
    }

    const [stored] = await ctx.deps.db.select().from(tickets).where(eq(tickets.id, ticket.id));
    expect(stored).toMatchObject({ ...winnerBody, version: 2 });

    const audits = await ctx.deps.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.entityType, "ticket"), eq(auditLog.entityId, ticket.id)));
    expect(audits.map((row) => row.action)).toEqual(["ticket.updated"]);
    expect(audits[0]?.after).toMatchObject(winnerBody);

    const outbox = await ctx.deps.db
      .select()
      .from(events)
      // The ticket's own events: an assignment also notifies the assignee (an event of theirs).
      .where(and(eq(events.ticketId, ticket.id), isNull(events.recipientId)));
    expect(outbox.map((row) => row.type)).toEqual(["ticket.updated"]);
    expect(outbox[0]?.payload).toMatchObject({ ...winnerBody, version: 2 });
  });
});

/**
 * Every writer of a ticket follows the same protocol (lock the row, then compare the version), so
 * PATCHes and assignments carrying one If-Match also race as one: a single winner of either kind.
 * Fails if either service compares the version before locking, or not at all (checked once by
 * dropping `forUpdate` in assignTicket: six 200s, as its update has no version condition).
 */
describe.runIf(racesAreReal())("PATCHes and assignments racing on one If-Match", () => {
  it("exactly one of them wins; all the others get 412 with the winner's version", async () => {
    const { ctx, server } = loaded;
    const world = await ticketWorld(ctx);
    const title = "Before the race";
    const ticket = await insertTicket(ctx, {
      reporterId: world.reporter.user.id,
      teamId: world.teamA.id,
      title,
    });
    const developers = await Promise.all(
      Array.from({ length: 5 }, () => createDeveloper(ctx, { teamId: world.teamA.id })),
    );
    const ifMatch = { "If-Match": '"1"' };
    const patch = (index: number) => () =>
      sendJson(
        server,
        "PATCH",
        `/v1/tickets/${ticket.id}`,
        world.managerA.session,
        { title: `Patch ${index}` },
        ifMatch,
      );
    const assign = (index: number) => () =>
      sendJson(
        server,
        "POST",
        `/v1/tickets/${ticket.id}/assignment`,
        world.admin.session,
        { assigneeId: developers[index % developers.length]?.user.id },
        ifMatch,
      );

    const replies = await burst(
      server,
      Array.from({ length: CONTENDERS }, (_, index) => (index % 2 === 0 ? patch(index) : assign(index))),
    );

    expect(countBy(replies, (reply) => String(reply.status))).toEqual({ 200: 1, 412: CONTENDERS - 1 });
    for (const loser of replies.filter((reply) => reply.status === 412)) {
      expectProblem(loser, 412, "precondition_failed");
      expect(loser.body.currentVersion).toBe(2);
    }
    const winner = replies.find((reply) => reply.status === 200)?.body;
    // A PATCH answers the ticket; an assignment answers { ticket, change }.
    const expected = winner.change
      ? { title, assigneeId: winner.change.assigneeId, version: 2 }
      : { title: winner.title, assigneeId: null, version: 2 };
    const [stored] = await ctx.deps.db.select().from(tickets).where(eq(tickets.id, ticket.id));
    expect(stored).toMatchObject(expected);
    const audits = await ctx.deps.db.select().from(auditLog).where(eq(auditLog.entityId, ticket.id));
    expect(audits.map((row) => row.action)).toEqual([winner.change ? "ticket.assigned" : "ticket.updated"]);
    const outbox = await ctx.deps.db
      .select()
      .from(events)
      // The ticket's own events: an assignment also notifies the assignee (an event of theirs).
      .where(and(eq(events.ticketId, ticket.id), isNull(events.recipientId)));
    expect(outbox.map((row) => row.type)).toEqual([winner.change ? "ticket.assigned" : "ticket.updated"]);
  });
});
