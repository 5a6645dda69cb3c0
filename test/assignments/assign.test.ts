import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { developerProfiles, teamMembers, users } from "../../src/db/schema.ts";
import type { AssignmentEntry, AssignmentResult } from "../../src/features/assignments/schemas.ts";
import {
  assign,
  createDeveloper,
  history,
  historyRowsOf,
  suggestions,
  unassign,
} from "../support/factories/assignments.ts";
import { auditRowsOf } from "../support/factories/comments.ts";
import { createCategory, createTeam, insertTicket, ticketWorld } from "../support/factories/tickets.ts";
import { signedIn } from "../support/factories.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";

let ctx: TestContext;
let world: Awaited<ReturnType<typeof ticketWorld>>;
beforeAll(async () => {
  ctx = await createTestContext({ env: { TRUST_PROXY: "true" } });
  world = await ticketWorld(ctx);
});
afterAll(() => ctx.close());

async function scene() {
  const team = await createTeam(ctx, { leads: [world.managerA.user.id] });
  const ticket = await insertTicket(ctx, { reporterId: world.reporter.user.id, teamId: team.id });
  return { team, ticket };
}
const codeOf = async (response: Response) => ((await response.json()) as { code: string }).code;

describe("manual assignment", () => {
  it("assigns a team developer: ticket, version, history, audit and last_assigned_at in one change", async () => {
    const { team, ticket } = await scene();
    const developer = await createDeveloper(ctx, { teamId: team.id });

    const response = await assign(
      ctx,
      world.managerA.session,
      ticket.id,
      { assigneeId: developer.user.id },
      { "If-Match": '"1"' },
    );

    expect(response.status).toBe(200);
    expect(response.headers.get("ETag")).toBe('"2"');
    const result = (await response.json()) as AssignmentResult;
    expect(result.ticket).toMatchObject({ id: ticket.id, assigneeId: developer.user.id, version: 2 });
    expect(result.change).toMatchObject({
      strategy: "manual",
      assigneeId: developer.user.id,
      previousAssigneeId: null,
      actorId: world.managerA.user.id,
      score: null,
    });
    expect(await historyRowsOf(ctx, ticket.id)).toHaveLength(1);
    const audits = await auditRowsOf(ctx, "ticket", ticket.id);
    expect(audits.at(-1)).toMatchObject({
      action: "ticket.assigned",
      actorId: world.managerA.user.id,
      before: { assigneeId: null },
      after: { assigneeId: developer.user.id, strategy: "manual" },
    });
    const [profile] = await ctx.deps.db
      .select()
      .from(developerProfiles)
      .where(eq(developerProfiles.userId, developer.user.id));
    expect(profile?.lastAssignedAt).toBeInstanceOf(Date);
  });

  it("lets a manager override availability but never capacity", async () => {
    const { team, ticket } = await scene();
    const away = await createDeveloper(ctx, { teamId: team.id, availability: "offline", capacity: 1 });
    expect((await assign(ctx, world.managerA.session, ticket.id, { assigneeId: away.user.id })).status).toBe(
      200,
    );

    const next = await insertTicket(ctx, { reporterId: world.reporter.user.id, teamId: team.id });
    const full = await assign(ctx, world.admin.session, next.id, { assigneeId: away.user.id });
    expect(full.status).toBe(409);
    expect(await full.json()).toMatchObject({ code: "at_capacity", capacity: 1, openLoad: 1 });
    expect(await historyRowsOf(ctx, next.id)).toEqual([]);
  });

  it("counts a developer without a stored profile with the default capacity and creates the profile", async () => {
    const { team, ticket } = await scene();
    const bare = await createDeveloper(ctx, { teamId: team.id, withoutProfile: true });
    expect((await assign(ctx, world.managerA.session, ticket.id, { assigneeId: bare.user.id })).status).toBe(
      200,
    );
    const [profile] = await ctx.deps.db
      .select()
      .from(developerProfiles)
      .where(eq(developerProfiles.userId, bare.user.id));
    expect(profile).toMatchObject({ capacity: 5, availability: "available" });
  });

  it("answers 409 assignee_not_eligible for anyone but an active developer of the ticket's team", async () => {
    const { team, ticket } = await scene();
    const otherTeam = await createDeveloper(ctx, { teamId: world.teamB.id });
    const disabled = await signedIn(ctx, "developer");
    await ctx.deps.db.update(users).set({ status: "disabled" }).where(eq(users.id, disabled.user.id));
    await ctx.deps.db.insert(teamMembers).values({ teamId: team.id, userId: disabled.user.id });
    await ctx.deps.db.insert(teamMembers).values({ teamId: team.id, userId: world.reporter.user.id });
    const notEligible = [
      otherTeam.user.id,
      world.reporter.user.id,
      world.managerA.user.id,
      disabled.user.id,
      "00000000-0000-4000-8000-000000000001",
    ];
    for (const assigneeId of notEligible) {
      const response = await assign(ctx, world.managerA.session, ticket.id, { assigneeId });
      expect(response.status).toBe(409);
      expect(await codeOf(response)).toBe("assignee_not_eligible");
    }
  });

  it("answers 400 for a malformed body", async () => {
    const { ticket } = await scene();
    for (const body of [
      {},
      { assigneeId: "nope" },
      { strategy: "magic" },
      { strategy: "auto", assigneeId: world.developerA.user.id },
    ]) {
      expect((await assign(ctx, world.managerA.session, ticket.id, body)).status).toBe(400);
    }
  });

  it("refuses managers of other teams (404, cannot see) and reporters (403)", async () => {
    const { team, ticket } = await scene();
    const developer = await createDeveloper(ctx, { teamId: team.id });
    const body = { assigneeId: developer.user.id };
    expect((await assign(ctx, world.managerB.session, ticket.id, body)).status).toBe(404);
    expect((await assign(ctx, world.developerB.session, ticket.id, body)).status).toBe(404);
    expect((await unassign(ctx, world.managerB.session, ticket.id)).status).toBe(404);
    expect((await history(ctx, world.otherReporter.session, ticket.id)).status).toBe(404);
    const reporter = await assign(ctx, world.reporter.session, ticket.id, body);
    expect(reporter.status).toBe(403);
    expect(await codeOf(reporter)).toBe("role_forbidden");
    // managerB sees this one (they reported it) but does not lead its team.
    const seen = await insertTicket(ctx, { reporterId: world.managerB.user.id, teamId: team.id });
    const forbidden = await assign(ctx, world.managerB.session, seen.id, body);
    expect(forbidden.status).toBe(403);
    expect(await codeOf(forbidden)).toBe("assignment_forbidden");
  });

  it("refuses a stale If-Match with 412 and the current version; same assignee again changes nothing", async () => {
    const { team, ticket } = await scene();
    const developer = await createDeveloper(ctx, { teamId: team.id });
    const body = { assigneeId: developer.user.id };
    expect((await assign(ctx, world.managerA.session, ticket.id, body)).status).toBe(200);

    const stale = await assign(ctx, world.managerA.session, ticket.id, body, { "If-Match": '"1"' });
    expect(stale.status).toBe(412);
    expect(await stale.json()).toMatchObject({ currentVersion: 2 });

    const again = await assign(ctx, world.managerA.session, ticket.id, body);
    expect(again.status).toBe(200);
    expect(((await again.json()) as AssignmentResult).change).toBeNull();
    expect(await historyRowsOf(ctx, ticket.id)).toHaveLength(1);
  });

  it("replays a POST with the same Idempotency-Key", async () => {
    const { team, ticket } = await scene();
    const developer = await createDeveloper(ctx, { teamId: team.id });
    const key = { "Idempotency-Key": `assign-${ticket.id}` };
    const first = await assign(
      ctx,
      world.managerA.session,
      ticket.id,
      { assigneeId: developer.user.id },
      key,
    );
    const second = await assign(
      ctx,
      world.managerA.session,
      ticket.id,
      { assigneeId: developer.user.id },
      key,
    );
    expect(second.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await second.json()).toEqual(await first.json());
    const reused = await assign(ctx, world.managerA.session, ticket.id, { strategy: "auto" }, key);
    expect(reused.status).toBe(422);
  });
});

describe("self-assignment", () => {
  it("lets a developer of the team take an unassigned ticket for themself", async () => {
    const { team, ticket } = await scene();
    const developer = await createDeveloper(ctx, { teamId: team.id });

    const response = await assign(ctx, developer.session, ticket.id, { assigneeId: developer.user.id });

    expect(response.status).toBe(200);
    expect(((await response.json()) as AssignmentResult).change).toMatchObject({
      strategy: "self",
      actorId: developer.user.id,
    });
  });

  it("refuses someone else (403 naming assigneeId), auto (403 naming strategy), a taken ticket (409) and a full developer (409)", async () => {
    const { team, ticket } = await scene();
    const developer = await createDeveloper(ctx, { teamId: team.id, capacity: 1 });
    const colleague = await createDeveloper(ctx, { teamId: team.id });

    const other = await assign(ctx, developer.session, ticket.id, { assigneeId: colleague.user.id });
    expect(other.status).toBe(403);
    expect(((await other.json()) as { errors: { path: string }[] }).errors[0]?.path).toBe("body.assigneeId");
    const auto = await assign(ctx, developer.session, ticket.id, { strategy: "auto" });
    expect(auto.status).toBe(403);
    expect(((await auto.json()) as { errors: { path: string }[] }).errors[0]?.path).toBe("body.strategy");

    expect((await assign(ctx, colleague.session, ticket.id, { assigneeId: colleague.user.id })).status).toBe(
      200,
    );
    const taken = await assign(ctx, developer.session, ticket.id, { assigneeId: developer.user.id });
    expect(taken.status).toBe(409);
    expect(await codeOf(taken)).toBe("already_assigned");

    await insertTicket(ctx, {
      reporterId: world.reporter.user.id,
      teamId: team.id,
      assigneeId: developer.user.id,
    });
    const next = await insertTicket(ctx, { reporterId: world.reporter.user.id, teamId: team.id });
    const full = await assign(ctx, developer.session, next.id, { assigneeId: developer.user.id });
    expect(full.status).toBe(409);
    expect(await codeOf(full)).toBe("at_capacity");
  });
});

describe("automatic assignment", () => {
  it("takes the top suggestion and stores the breakdown it used", async () => {
    const { team } = await scene();
    const category = await createCategory(ctx);
    const skilled = await insertTicket(ctx, {
      reporterId: world.reporter.user.id,
      teamId: team.id,
      categoryId: category.id,
      priority: "urgent",
    });
    const expert = await createDeveloper(ctx, { teamId: team.id, skills: { [category.id]: 5 } });
    await createDeveloper(ctx, { teamId: team.id, skills: { [category.id]: 2 } });
    const top = (
      (await (await suggestions(ctx, world.managerA.session, skilled.id)).json()) as {
        candidates: { userId: string; score: number }[];
      }
    ).candidates[0];
    expect(top?.userId).toBe(expert.user.id);

    const response = await assign(ctx, world.admin.session, skilled.id, { strategy: "auto" });

    expect(response.status).toBe(200);
    const result = (await response.json()) as AssignmentResult;
    expect(result.ticket.assigneeId).toBe(expert.user.id);
    expect(result.change).toMatchObject({
      strategy: "auto",
      score: { userId: expert.user.id, rank: 1, score: top?.score },
    });
    expect(result.change?.score?.breakdown).toMatchObject({ skill: 5, urgency: 1, skillWeight: 0.7 });
    expect(result.change?.score?.explanation).toMatch(/skillWeight/);
    const audits = await auditRowsOf(ctx, "ticket", skilled.id);
    expect(audits.at(-1)?.after).toMatchObject({ strategy: "auto", assigneeId: expert.user.id });
  });

  it("shows the reporter who and when, never the staff's score breakdown (history and activity)", async () => {
    const { team, ticket } = await scene();
    const developer = await createDeveloper(ctx, { teamId: team.id });
    expect((await assign(ctx, world.managerA.session, ticket.id, { strategy: "auto" })).status).toBe(200);

    const read = async (session: typeof world.reporter.session) =>
      (await (await history(ctx, session, ticket.id)).json()) as { data: AssignmentEntry[] };
    const staff = await read(world.managerA.session);
    expect(staff.data[0]?.score).toMatchObject({ userId: developer.user.id, breakdown: { capacity: 5 } });

    const reporter = await read(world.reporter.session);
    expect(reporter.data).toHaveLength(1);
    expect(reporter.data[0]).toMatchObject({
      assigneeId: developer.user.id,
      actorId: world.managerA.user.id,
      strategy: "auto",
      score: null,
    });
    expect(JSON.stringify(reporter)).not.toContain(developer.user.name);
    expect(JSON.stringify(staff)).toContain(developer.user.name);

    const activity = await ctx.app.request(`/v1/tickets/${ticket.id}/activity`, {
      headers: world.reporter.session.headers,
    });
    const rows = ((await activity.json()) as { data: { action: string; after: Record<string, unknown> }[] })
      .data;
    const assigned = rows.find((row) => row.action === "ticket.assigned");
    expect(assigned?.after).toMatchObject({ assigneeId: developer.user.id, strategy: "auto" });
    expect(assigned?.after).not.toHaveProperty("score");
  });

  it("answers 409 no_candidate when everyone is away or full, and ticket_has_no_team without a team", async () => {
    const { team, ticket } = await scene();
    await createDeveloper(ctx, { teamId: team.id, availability: "away" });
    await createDeveloper(ctx, { teamId: team.id, capacity: 0 });
    const response = await assign(ctx, world.managerA.session, ticket.id, { strategy: "auto" });
    expect(response.status).toBe(409);
    const problem = (await response.json()) as { code: string; excluded: { reason: string }[] };
    expect(problem.code).toBe("no_candidate");
    expect(problem.excluded.map((entry) => entry.reason).sort()).toEqual(["at_capacity", "away"]);

    const teamless = await insertTicket(ctx, { reporterId: world.reporter.user.id, teamId: null });
    const noTeam = await assign(ctx, world.admin.session, teamless.id, { strategy: "auto" });
    expect(noTeam.status).toBe(409);
    expect(await codeOf(noTeam)).toBe("ticket_has_no_team");
  });
});

describe("unassigning and history", () => {
  it("lets the assignee or a manager unassign, others get 403, an unassigned ticket 409", async () => {
    const { team, ticket } = await scene();
    const developer = await createDeveloper(ctx, { teamId: team.id });
    const colleague = await createDeveloper(ctx, { teamId: team.id });
    expect(
      (await assign(ctx, world.managerA.session, ticket.id, { assigneeId: developer.user.id })).status,
    ).toBe(200);

    const byColleague = await unassign(ctx, colleague.session, ticket.id);
    expect(byColleague.status).toBe(403);
    const stale = await unassign(ctx, developer.session, ticket.id, { "If-Match": '"1"' });
    expect(stale.status).toBe(412);

    const byAssignee = await unassign(ctx, developer.session, ticket.id, { "If-Match": '"2"' });
    expect(byAssignee.status).toBe(200);
    const result = (await byAssignee.json()) as AssignmentResult;
    expect(result.ticket.assigneeId).toBeNull();
    expect(result.change).toMatchObject({
      strategy: "unassign",
      assigneeId: null,
      previousAssigneeId: developer.user.id,
    });
    const audits = await auditRowsOf(ctx, "ticket", ticket.id);
    expect(audits.at(-1)).toMatchObject({
      action: "ticket.unassigned",
      before: { assigneeId: developer.user.id },
      after: { assigneeId: null, strategy: "unassign" },
    });

    const again = await unassign(ctx, world.managerA.session, ticket.id);
    expect(again.status).toBe(409);
    expect(await codeOf(again)).toBe("not_assigned");
  });

  it("lists the history newest first for anyone who sees the ticket, page by page", async () => {
    const { team, ticket } = await scene();
    const one = await createDeveloper(ctx, { teamId: team.id });
    const two = await createDeveloper(ctx, { teamId: team.id });
    for (const assigneeId of [one.user.id, two.user.id, one.user.id]) {
      expect((await assign(ctx, world.managerA.session, ticket.id, { assigneeId })).status).toBe(200);
    }
    expect((await unassign(ctx, world.managerA.session, ticket.id)).status).toBe(200);

    const entries: AssignmentEntry[] = [];
    let cursor: string | null = null;
    do {
      const response = await history(
        ctx,
        world.reporter.session,
        ticket.id,
        `?limit=3&count=true${cursor ? `&cursor=${cursor}` : ""}`,
      );
      expect(response.status).toBe(200);
      const page = (await response.json()) as {
        data: AssignmentEntry[];
        nextCursor: string | null;
        total: number;
      };
      expect(page.total).toBe(4);
      entries.push(...page.data);
      cursor = page.nextCursor;
    } while (cursor && entries.length < 10);
    expect(entries.map((entry) => [entry.strategy, entry.assigneeId])).toEqual([
      ["unassign", null],
      ["manual", one.user.id],
      ["manual", two.user.id],
      ["manual", one.user.id],
    ]);
    expect((await history(ctx, world.reporter.session, ticket.id, "?cursor=WyJ4Il0")).status).toBe(400);
  });
});
