import { and, eq, inArray, isNull } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tickets } from "../../src/db/schema.ts";
import { createDeveloper } from "../support/factories/assignments.ts";
import { createTeam, insertTicket, patchTicket, ticketWorld } from "../support/factories/tickets.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";

let ctx: TestContext;
let world: Awaited<ReturnType<typeof ticketWorld>>;
beforeAll(async () => {
  ctx = await createTestContext({ env: { TRUST_PROXY: "true" } });
  world = await ticketWorld(ctx);
});
afterAll(() => ctx.close());

/** A developer of a team managerA leads, holding `held` open tickets with a capacity of 2. */
async function fullDeveloper(held = 2) {
  const team = await createTeam(ctx, { leads: [world.managerA.user.id] });
  const developer = await createDeveloper(ctx, { teamId: team.id, capacity: 2 });
  const base = { reporterId: world.reporter.user.id, teamId: team.id, assigneeId: developer.user.id };
  for (let index = 0; index < held; index++) await insertTicket(ctx, { ...base, status: "in_progress" });
  return { team, developer, base };
}

async function openLoadOf(userId: string): Promise<number> {
  const rows = await ctx.deps.db
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

const problemOf = async (response: Response) => (await response.json()) as Record<string, unknown>;

describe("a ticket returning to its assignee's load respects capacity", () => {
  it("refuses resolved → in_progress with 409 at_capacity while the assignee is full", async () => {
    const { developer, base } = await fullDeveloper();
    const resolved = await insertTicket(ctx, { ...base, status: "resolved", resolvedAt: new Date() });

    const refused = await patchTicket(ctx, world.managerA.session, resolved.id, { status: "in_progress" });
    expect(refused.status).toBe(409);
    expect(await problemOf(refused)).toMatchObject({ code: "at_capacity", capacity: 2, openLoad: 2 });
    const byAssignee = await patchTicket(ctx, developer.session, resolved.id, { status: "in_progress" });
    expect(byAssignee.status).toBe(409);
    expect(await openLoadOf(developer.user.id)).toBe(2);
  });

  it("lets the step through when there is room", async () => {
    const { developer, base } = await fullDeveloper(1);
    const resolved = await insertTicket(ctx, { ...base, status: "resolved", resolvedAt: new Date() });
    const moved = await patchTicket(ctx, developer.session, resolved.id, { status: "in_progress" });
    expect(moved.status).toBe(200);
    expect(await openLoadOf(developer.user.id)).toBe(2);
  });

  it("refuses the reporter's reopen (closed → open) without telling them the staff's numbers", async () => {
    const { developer, base } = await fullDeveloper();
    const closed = await insertTicket(ctx, { ...base, status: "closed", closedAt: new Date() });
    const refused = await patchTicket(ctx, world.reporter.session, closed.id, { status: "open" });
    expect(refused.status).toBe(409);
    const problem = await problemOf(refused);
    expect(problem.code).toBe("at_capacity");
    expect(problem).not.toHaveProperty("capacity");
    expect(problem).not.toHaveProperty("openLoad");
    expect(await openLoadOf(developer.user.id)).toBe(2);
  });

  it("refuses to restore an assigned open ticket into a full developer's load, restores once there is room", async () => {
    const { developer, base } = await fullDeveloper();
    const deleted = await insertTicket(ctx, { ...base, status: "in_progress", deletedAt: new Date() });
    const restore = () =>
      ctx.app.request(`/v1/tickets/${deleted.id}/restore`, {
        method: "POST",
        headers: world.managerA.session.headers,
      });

    const refused = await restore();
    expect(refused.status).toBe(409);
    expect(await problemOf(refused)).toMatchObject({ code: "at_capacity", capacity: 2, openLoad: 2 });
    expect(await openLoadOf(developer.user.id)).toBe(2);

    const [held] = await ctx.deps.db
      .select({ id: tickets.id })
      .from(tickets)
      .where(and(eq(tickets.assigneeId, developer.user.id), isNull(tickets.deletedAt)))
      .limit(1);
    await patchTicket(ctx, developer.session, held?.id as string, { status: "resolved" });
    expect((await restore()).status).toBe(200);
    expect(await openLoadOf(developer.user.id)).toBe(2);
  });

  it("restores a resolved assigned ticket whatever the load: it adds none", async () => {
    const { base } = await fullDeveloper();
    const deleted = await insertTicket(ctx, { ...base, status: "resolved", deletedAt: new Date() });
    const restored = await ctx.app.request(`/v1/tickets/${deleted.id}/restore`, {
      method: "POST",
      headers: world.managerA.session.headers,
    });
    expect(restored.status).toBe(200);
  });
});
