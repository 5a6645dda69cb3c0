import type { z } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { categories } from "../../src/db/schema.ts";
import type { AssignmentSuggestions } from "../../src/features/assignments/schemas.ts";
import { assign, createDeveloper, suggestions } from "../support/factories/assignments.ts";
import { createCategory, createTeam, insertTicket, ticketWorld } from "../support/factories/tickets.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";

type Suggestions = z.infer<typeof AssignmentSuggestions>;
let ctx: TestContext;
let world: Awaited<ReturnType<typeof ticketWorld>>;
beforeAll(async () => {
  ctx = await createTestContext({ env: { TRUST_PROXY: "true" } });
  world = await ticketWorld(ctx);
});
afterAll(() => ctx.close());

/** A fresh team led by managerA, a child category under a parent, and an open ticket of both. */
async function scene(priority: "low" | "medium" | "high" | "urgent" = "low") {
  const team = await createTeam(ctx, { leads: [world.managerA.user.id] });
  const parent = await createCategory(ctx);
  const child = await createCategory(ctx);
  await ctx.deps.db.update(categories).set({ parentId: parent.id }).where(eq(categories.id, child.id));
  const ticket = await insertTicket(ctx, {
    reporterId: world.reporter.user.id,
    teamId: team.id,
    categoryId: child.id,
    priority,
  });
  return { team, parent, child, ticket };
}

describe("assignment suggestions", () => {
  it("ranks the team's developers with a breakdown, excluding the away and the full", async () => {
    const { team, parent, child, ticket } = await scene();
    const expert = await createDeveloper(ctx, { teamId: team.id, skills: { [child.id]: 5 }, capacity: 4 });
    const generalist = await createDeveloper(ctx, {
      teamId: team.id,
      skills: { [parent.id]: 4 },
      capacity: 4,
    });
    const away = await createDeveloper(ctx, {
      teamId: team.id,
      availability: "away",
      skills: { [child.id]: 5 },
    });
    const full = await createDeveloper(ctx, { teamId: team.id, capacity: 1 });
    await insertTicket(ctx, {
      reporterId: world.reporter.user.id,
      teamId: team.id,
      assigneeId: full.user.id,
    });
    await createDeveloper(ctx, {}); // not in the team: never suggested

    const response = await suggestions(ctx, world.managerA.session, ticket.id);

    expect(response.status).toBe(200);
    const body = (await response.json()) as Suggestions;
    expect(body.ticketId).toBe(ticket.id);
    expect(body.explanation).toMatch(/score = 100/);
    expect(body.candidates.map((candidate) => candidate.userId)).toEqual([
      expert.user.id,
      generalist.user.id,
    ]);
    expect(body.candidates[0]).toMatchObject({
      rank: 1,
      score: 100,
      breakdown: { skill: 5, parentSkill: 0, load: 0, capacity: 4, availabilityOk: true },
    });
    expect(body.candidates[1]?.breakdown).toMatchObject({ skill: 0, parentSkill: 4, skillFit: 0.4 });
    expect(body.candidates[1]?.reasons.join(" ")).toMatch(/parent category/);
    expect(body.excluded).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ userId: away.user.id, reason: "away" }),
        expect.objectContaining({ userId: full.user.id, reason: "at_capacity" }),
      ]),
    );
  });

  it("is open to admins, the team's lead manager and the team's developers only", async () => {
    const { team, ticket } = await scene();
    const member = await createDeveloper(ctx, { teamId: team.id });
    const outsiderAssigned = await createDeveloper(ctx, {});
    const theirs = await insertTicket(ctx, {
      reporterId: world.managerB.user.id,
      teamId: team.id,
      assigneeId: outsiderAssigned.user.id,
    });

    for (const caller of [world.admin, world.managerA, member]) {
      expect((await suggestions(ctx, caller.session, ticket.id)).status).toBe(200);
    }
    for (const outsider of [world.managerB, world.developerB]) {
      const response = await suggestions(ctx, outsider.session, ticket.id);
      expect(response.status).toBe(404);
    }
    const reporter = await suggestions(ctx, world.reporter.session, ticket.id);
    expect(reporter.status).toBe(403);
    expect(((await reporter.json()) as { code: string }).code).toBe("role_forbidden");
    // They see `theirs` (reporter, assignee) but neither leads nor belongs to its team.
    for (const seesButNotTeam of [world.managerB, outsiderAssigned]) {
      const response = await suggestions(ctx, seesButNotTeam.session, theirs.id);
      expect(response.status).toBe(403);
      expect(((await response.json()) as { code: string }).code).toBe("assignment_forbidden");
    }
  });

  it("answers 409 ticket_has_no_team for a ticket without a team", async () => {
    const ticket = await insertTicket(ctx, { reporterId: world.reporter.user.id, teamId: null });
    const response = await suggestions(ctx, world.admin.session, ticket.id);
    expect(response.status).toBe(409);
    expect(((await response.json()) as { code: string }).code).toBe("ticket_has_no_team");
  });

  it("reflects an assignment at once: cached loads are invalidated by the write", async () => {
    const { team, ticket } = await scene();
    const developer = await createDeveloper(ctx, { teamId: team.id, capacity: 2 });
    const other = await insertTicket(ctx, { reporterId: world.reporter.user.id, teamId: team.id });
    const loadOf = async () => {
      const body = (await (await suggestions(ctx, world.managerA.session, ticket.id)).json()) as Suggestions;
      return [
        body.candidates.find((candidate) => candidate.userId === developer.user.id)?.breakdown.load,
        body.excluded.find((entry) => entry.userId === developer.user.id)?.reason,
      ];
    };
    expect(await loadOf()).toEqual([0, undefined]);
    expect(
      (await assign(ctx, world.managerA.session, other.id, { assigneeId: developer.user.id })).status,
    ).toBe(200);
    expect(await loadOf()).toEqual([1, undefined]);
    const third = await insertTicket(ctx, { reporterId: world.reporter.user.id, teamId: team.id });
    expect(
      (await assign(ctx, world.managerA.session, third.id, { assigneeId: developer.user.id })).status,
    ).toBe(200);
    expect(await loadOf()).toEqual([undefined, "at_capacity"]);
  });

  it("does not count the ticket against its own assignee", async () => {
    const { team, ticket } = await scene();
    const developer = await createDeveloper(ctx, { teamId: team.id, capacity: 1 });
    expect(
      (await assign(ctx, world.managerA.session, ticket.id, { assigneeId: developer.user.id })).status,
    ).toBe(200);
    const body = (await (await suggestions(ctx, world.managerA.session, ticket.id)).json()) as Suggestions;
    expect(body.candidates.map((candidate) => [candidate.userId, candidate.breakdown.load])).toEqual([
      [developer.user.id, 0],
    ]);
  });
});
