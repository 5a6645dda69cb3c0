import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadTeamDevelopers } from "../../src/features/developers/queries.ts";
import { insertCategory } from "../support/factories/categories.ts";
import { insertProfile } from "../support/factories/developers.ts";
import { addMember, insertTeam, insertTicket } from "../support/factories/teams.ts";
import { createUser, jsonRequest, type Session, signedIn } from "../support/factories.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";

let ctx: TestContext;
let manager: Session;
beforeAll(async () => {
  ctx = await createTestContext({ env: { TRUST_PROXY: "true" } });
  manager = (await signedIn(ctx, "manager")).session;
});
afterAll(() => ctx.close());

interface Developer {
  userId: string;
  openLoad: number;
  capacity: number;
  availability: string;
  skills: { categoryId: string; level: number }[];
  profileVersion: number | null;
}
interface Page {
  data: Developer[];
  nextCursor: string | null;
  total?: number;
}

const list = async (query: string, session = manager): Promise<Page> => {
  const response = await ctx.app.request(`/v1/developers${query}`, { headers: session.headers });
  expect(response.status).toBe(200);
  return (await response.json()) as Page;
};

/** Gives a developer one ticket in each status, plus a deleted open one and someone else's. */
async function ticketsFor(assigneeId: string) {
  for (const status of ["open", "in_progress", "blocked", "resolved", "closed"] as const)
    await insertTicket(ctx, { assigneeId, status });
  await insertTicket(ctx, { assigneeId, status: "open", deletedAt: new Date() });
}

describe("GET /v1/developers", () => {
  it("lists developers with their open load (open, in progress, blocked; not deleted) and profile", async () => {
    const team = await insertTeam(ctx);
    const category = await insertCategory(ctx);
    const busy = await createUser(ctx, { role: "developer" });
    const idle = await createUser(ctx, { role: "developer" });
    await insertProfile(ctx, busy.id, { capacity: 7, skills: [{ categoryId: category.id, level: 4 }] });
    await ticketsFor(busy.id);
    await addMember(ctx, team.id, busy.id);
    await addMember(ctx, team.id, idle.id);

    const page = await list(`?teamId=${team.id}&count=true`);
    expect(page.total).toBe(2);
    const byId = new Map(page.data.map((developer) => [developer.userId, developer]));
    expect(byId.get(busy.id)).toMatchObject({
      openLoad: 3,
      capacity: 7,
      skills: [{ categoryId: category.id, level: 4 }],
      profileVersion: 1,
    });
    expect(byId.get(idle.id)).toMatchObject({
      openLoad: 0,
      capacity: 5,
      availability: "available",
      skills: [],
      profileVersion: null,
    });
  });

  it("filters by availability and by skill category, and leaves out other roles and disabled accounts", async () => {
    const team = await insertTeam(ctx);
    const category = await insertCategory(ctx);
    const away = await createUser(ctx, { role: "developer" });
    const skilled = await createUser(ctx, { role: "developer" });
    const disabled = await createUser(ctx, { role: "developer", status: "disabled" });
    const reporter = await createUser(ctx, { role: "reporter" });
    await insertProfile(ctx, away.id, { availability: "away" });
    await insertProfile(ctx, skilled.id, { skills: [{ categoryId: category.id, level: 2 }] });
    await insertProfile(ctx, disabled.id, { skills: [{ categoryId: category.id, level: 5 }] });
    for (const user of [away, skilled, disabled, reporter]) await addMember(ctx, team.id, user.id);

    const ids = (page: Page) => page.data.map((developer) => developer.userId);
    expect(ids(await list(`?teamId=${team.id}`)).sort()).toEqual([away.id, skilled.id].sort());
    expect(ids(await list(`?teamId=${team.id}&availability=away`))).toEqual([away.id]);
    expect(ids(await list(`?teamId=${team.id}&availability=available`))).toEqual([skilled.id]);
    expect(ids(await list(`?categoryId=${category.id}`))).toEqual([skilled.id]);
    for (const bad of ["?availability=busy", "?teamId=nope", "?limit=101", "?cursor=WyJ4Il0"]) {
      const response = await ctx.app.request(`/v1/developers${bad}`, { headers: manager.headers });
      expect(response.status, bad).toBe(400);
    }
  });

  it("pages by user id without repeats", async () => {
    const team = await insertTeam(ctx);
    const ids: string[] = [];
    for (let index = 0; index < 5; index++) {
      const user = await createUser(ctx, { role: "developer" });
      ids.push(user.id);
      await addMember(ctx, team.id, user.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await list(`?teamId=${team.id}&limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      seen.push(...page.data.map((developer) => developer.userId));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].sort());
  });

  it("runs the same number of SQL statements whatever the page size (no N+1)", async () => {
    const isolated = await createTestContext({ env: { TRUST_PROXY: "true" } });
    try {
      const session = (await signedIn(isolated, "manager")).session;
      const category = await insertCategory(isolated);
      for (let index = 0; index < 12; index++) {
        const user = await createUser(isolated, { role: "developer" });
        await insertProfile(isolated, user.id, { skills: [{ categoryId: category.id, level: 3 }] });
        await insertTicket(isolated, { assigneeId: user.id });
      }
      const statementsFor = async (query: string) => {
        const before = isolated.queries.length;
        const response = await isolated.app.request(`/v1/developers${query}`, { headers: session.headers });
        expect(response.status).toBe(200);
        const page = (await response.json()) as Page;
        return { statements: isolated.queries.length - before, size: page.data.length };
      };
      const small = await statementsFor("?limit=2");
      const large = await statementsFor("?limit=12");
      expect(small.size).toBe(2);
      expect(large.size).toBe(12);
      expect(large.statements).toBe(small.statements);
      // Served from the shared cache the second time: only authentication touches the database.
      const cached = await statementsFor("?limit=12");
      expect(cached.statements).toBeLessThan(large.statements);
    } finally {
      await isolated.close();
    }
  });

  it("never serves a stale load, profile or membership after a write through the API", async () => {
    const admin = (await signedIn(ctx, "admin")).session;
    const team = await insertTeam(ctx);
    const developer = await createUser(ctx, { role: "developer" });
    expect((await list(`?teamId=${team.id}`)).data).toEqual([]);

    const joined = await ctx.app.request(
      `/v1/teams/${team.id}/members/${developer.id}`,
      jsonRequest("PUT", { role: "member" }, admin.headers),
    );
    expect(joined.status).toBe(201);
    expect((await list(`?teamId=${team.id}`)).data.map((row) => row.userId)).toEqual([developer.id]);

    await ctx.app.request(
      `/v1/developers/${developer.id}/profile`,
      jsonRequest("PUT", { availability: "away" }, admin.headers),
    );
    expect((await list(`?teamId=${team.id}`)).data[0]?.availability).toBe("away");

    await ctx.app.request(`/v1/teams/${team.id}/members/${developer.id}`, {
      method: "DELETE",
      headers: admin.headers,
    });
    expect((await list(`?teamId=${team.id}`)).data).toEqual([]);
  });

  it("is for staff only: reporters get 403", async () => {
    const reporter = (await signedIn(ctx, "reporter")).session;
    const response = await ctx.app.request("/v1/developers", { headers: reporter.headers });
    expect(response.status).toBe(403);
  });
});

describe("loadTeamDevelopers", () => {
  it("returns the team's active developers with defaults, skills, load and last assignment, in two queries", async () => {
    const team = await insertTeam(ctx);
    const category = await insertCategory(ctx);
    const profiled = await createUser(ctx, { role: "developer", name: "Profiled" });
    const plain = await createUser(ctx, { role: "developer", name: "Plain" });
    const disabled = await createUser(ctx, { role: "developer", status: "disabled" });
    const lead = await createUser(ctx, { role: "manager" });
    const assignedAt = new Date("2024-05-01T10:00:00Z");
    await insertProfile(ctx, profiled.id, {
      capacity: 3,
      availability: "away",
      timezone: "Europe/Paris",
      lastAssignedAt: assignedAt,
      skills: [{ categoryId: category.id, level: 5 }],
    });
    await ticketsFor(profiled.id);
    for (const user of [profiled, plain, disabled, lead])
      await addMember(ctx, team.id, user.id, user === lead ? "lead" : "member");

    const before = ctx.queries.length;
    const developers = await loadTeamDevelopers(ctx.deps.db, team.id);
    expect(ctx.queries.length - before).toBe(2);
    const byId = new Map(developers.map((developer) => [developer.userId, developer]));
    expect([...byId.keys()].sort()).toEqual([profiled.id, plain.id].sort());
    expect(byId.get(profiled.id)).toEqual({
      userId: profiled.id,
      name: "Profiled",
      capacity: 3,
      availability: "away",
      timezone: "Europe/Paris",
      lastAssignedAt: assignedAt,
      skills: new Map([[category.id, 5]]),
      openLoad: 3,
    });
    expect(byId.get(plain.id)).toEqual({
      userId: plain.id,
      name: "Plain",
      capacity: 5,
      availability: "available",
      timezone: "UTC",
      lastAssignedAt: null,
      skills: new Map(),
      openLoad: 0,
    });
    expect(await loadTeamDevelopers(ctx.deps.db, crypto.randomUUID())).toEqual([]);
  });
});
