import { and, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assignmentHistory, auditLog, tickets } from "../../src/db/schema.ts";
import type { AssignmentResult } from "../../src/features/assignments/schemas.ts";
import { assign, createDeveloper } from "../support/factories/assignments.ts";
import { createTeam, insertTicket, ticketWorld } from "../support/factories/tickets.ts";
import type { Session } from "../support/factories.ts";
import { racesAreReal } from "../support/races.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";

let ctx: TestContext;
let world: Awaited<ReturnType<typeof ticketWorld>>;
beforeAll(async () => {
  ctx = await createTestContext({ env: { TRUST_PROXY: "true" } });
  world = await ticketWorld(ctx);
});
afterAll(() => ctx.close());

const TICKETS = 20;
const CAPACITIES = [2, 2, 3];
const SLOTS = CAPACITIES.reduce((sum, capacity) => sum + capacity, 0);

/**
 * Capacity under concurrency: on PostgreSQL these requests really run at once (the pool allows 5
 * transactions), so a check-then-act race would let two assignments take one developer's last
 * slot. Every ticket gets one request (auto by the manager or the admin, manual by the admin, or a
 * developer self-assigning) and five tickets get a second, competing manual one.
 */
describe.runIf(racesAreReal())("assignment capacity under concurrency", () => {
  it.each([1, 2, 3])(
    "round %i: never over capacity, nothing lost, history matches the final state",
    async () => {
      const team = await createTeam(ctx, { leads: [world.managerA.user.id] });
      const developers = await Promise.all(
        CAPACITIES.map((capacity) => createDeveloper(ctx, { teamId: team.id, capacity })),
      );
      const ticketIds: string[] = [];
      for (let index = 0; index < TICKETS; index++) {
        ticketIds.push((await insertTicket(ctx, { reporterId: world.reporter.user.id, teamId: team.id })).id);
      }

      const requests: { ticketId: string; session: Session; body: unknown }[] = ticketIds.map(
        (ticketId, index) => {
          const developer = developers[index % developers.length] as (typeof developers)[number];
          switch (index % 4) {
            case 0:
              return { ticketId, session: world.managerA.session, body: { strategy: "auto" } };
            case 1:
              return { ticketId, session: world.admin.session, body: { assigneeId: developer.user.id } };
            case 2:
              return { ticketId, session: developer.session, body: { assigneeId: developer.user.id } };
            default:
              return { ticketId, session: world.admin.session, body: { strategy: "auto" } };
          }
        },
      );
      for (const ticketId of ticketIds.slice(0, 5)) {
        const last = developers.at(-1) as (typeof developers)[number];
        requests.push({ ticketId, session: world.managerA.session, body: { assigneeId: last.user.id } });
      }

      const responses = await Promise.all(
        requests.map(async (request) => {
          const response = await assign(ctx, request.session, request.ticketId, request.body);
          return {
            ticketId: request.ticketId,
            status: response.status,
            body: (await response.json()) as unknown,
          };
        }),
      );

      const conflictCodes = new Set(["at_capacity", "no_candidate", "already_assigned"]);
      for (const response of responses) {
        const ok = response.status === 200;
        const conflict =
          response.status === 409 && conflictCodes.has((response.body as { code: string }).code);
        expect(ok || conflict, JSON.stringify(response)).toBe(true);
      }

      const finalTickets = await ctx.deps.db
        .select({ id: tickets.id, assigneeId: tickets.assigneeId })
        .from(tickets)
        .where(inArray(tickets.id, ticketIds));
      for (const [index, developer] of developers.entries()) {
        const held = finalTickets.filter((ticket) => ticket.assigneeId === developer.user.id).length;
        expect(held).toBeLessThanOrEqual(CAPACITIES[index] as number);
      }
      // At least TICKETS − SLOTS auto requests failed, which only happens once every slot is taken.
      expect(finalTickets.filter((ticket) => ticket.assigneeId !== null)).toHaveLength(SLOTS);

      const historyRows = await ctx.deps.db
        .select()
        .from(assignmentHistory)
        .where(inArray(assignmentHistory.ticketId, ticketIds))
        .orderBy(assignmentHistory.id);
      const changes = responses
        .filter((response) => response.status === 200)
        .map((response) => (response.body as AssignmentResult).change)
        .filter((change) => change !== null);
      expect(historyRows.map((row) => row.id).sort()).toEqual(changes.map((change) => change.id).sort());
      for (const ticket of finalTickets) {
        const last = historyRows.filter((row) => row.ticketId === ticket.id).at(-1);
        expect(last?.assigneeId ?? null).toBe(ticket.assigneeId);
      }
      const audits = await ctx.deps.db
        .select({ entityId: auditLog.entityId })
        .from(auditLog)
        .where(and(eq(auditLog.action, "ticket.assigned"), inArray(auditLog.entityId, ticketIds)));
      expect(audits).toHaveLength(historyRows.length);
    },
  );
});
