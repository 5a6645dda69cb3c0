import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tickets } from "../../src/db/schema.ts";
import {
  addMember,
  auditRowsOf,
  createTeamAs,
  insertTeam,
  insertTicket,
  type TestTeam,
  uniqueName,
} from "../support/factories/teams.ts";
import { jsonRequest, type Session, signedIn } from "../support/factories.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";

let ctx: TestContext;
let admin: Session;
let manager: { user: { id: string }; session: Session };
beforeAll(async () => {
  ctx = await createTestContext({ env: { TRUST_PROXY: "true" } });
  admin = (await signedIn(ctx, "admin")).session;
  manager = await signedIn(ctx, "manager");
});
afterAll(() => ctx.close());

const get = (session: Session, path: string, headers: Record<string, string> = {}) =>
  ctx.app.request(path, { headers: { ...session.headers, ...headers } });
const patchTeam = (session: Session, id: string, body: unknown, headers: Record<string, string> = {}) =>
  ctx.app.request(`/v1/teams/${id}`, jsonRequest("PATCH", body, { ...session.headers, ...headers }));
const deleteTeam = (session: Session, id: string, headers: Record<string, string> = {}) =>
  ctx.app.request(`/v1/teams/${id}`, { method: "DELETE", headers: { ...session.headers, ...headers } });

describe("creating teams", () => {
  it("lets an admin create a team, with Location, ETag and an audit row", async () => {
    const name = uniqueName();
    const response = await ctx.app.request(
      "/v1/teams",
      jsonRequest("POST", { name, description: "Owns the API" }, admin.headers),
    );
    expect(response.status).toBe(201);
    const team = (await response.json()) as TestTeam;
    expect(team).toMatchObject({ name, description: "Owns the API", version: 1 });
    expect(response.headers.get("Location")).toBe(`/v1/teams/${team.id}`);
    expect(response.headers.get("ETag")).toBe('"1"');
    const audit = await auditRowsOf(ctx, "team", team.id);
    expect(audit.map((row) => row.action)).toEqual(["team.created"]);
    expect(audit[0]).toMatchObject({ actorRole: "admin", after: { name, description: "Owns the API" } });
  });

  it("makes a manager the lead of the team they create", async () => {
    const team = await createTeamAs(ctx, manager.session);
    const members = (await (await get(admin, `/v1/teams/${team.id}/members`)).json()) as {
      data: { userId: string; role: string }[];
    };
    expect(members.data).toEqual([expect.objectContaining({ userId: manager.user.id, role: "lead" })]);
    const actions = (await auditRowsOf(ctx, "team", team.id)).map((row) => row.action);
    expect(actions).toEqual(["team.created", "team.member_added"]);
  });

  it("refuses a duplicate name regardless of case with 409", async () => {
    const team = await createTeamAs(ctx, admin);
    const response = await ctx.app.request(
      "/v1/teams",
      jsonRequest("POST", { name: team.name.toUpperCase() }, admin.headers),
    );
    expect(response.status).toBe(409);
    expect(((await response.json()) as { code: string }).code).toBe("team_name_taken");
  });

  it("refuses invalid bodies with 400 naming the field", async () => {
    for (const body of [{ name: "" }, { name: "x".repeat(101) }, { name: "ok", extra: 1 }, {}]) {
      const response = await ctx.app.request("/v1/teams", jsonRequest("POST", body, admin.headers));
      expect(response.status).toBe(400);
    }
    const response = await ctx.app.request("/v1/teams", jsonRequest("POST", { name: 5 }, admin.headers));
    expect(((await response.json()) as { errors: { path: string }[] }).errors[0]?.path).toBe("body.name");
  });

  it("replays a POST with the same Idempotency-Key instead of creating twice", async () => {
    const headers = { ...admin.headers, "Idempotency-Key": `team-${crypto.randomUUID()}` };
    const body = { name: uniqueName() };
    const first = await ctx.app.request("/v1/teams", jsonRequest("POST", body, headers));
    const second = await ctx.app.request("/v1/teams", jsonRequest("POST", body, headers));
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await second.json()).toEqual(await first.json());
  });
});

describe("reading teams", () => {
  it("shows admins and managers every team, others only the teams they belong to (404 otherwise)", async () => {
    const developer = await signedIn(ctx, "developer");
    const reporter = await signedIn(ctx, "reporter");
    const mine = await insertTeam(ctx, [{ userId: developer.user.id }, { userId: reporter.user.id }]);
    const other = await insertTeam(ctx);

    for (const session of [developer.session, reporter.session]) {
      const page = (await (await get(session, "/v1/teams?count=true")).json()) as {
        data: { id: string }[];
        total: number;
      };
      expect(page.data.map((team) => team.id)).toEqual([mine.id]);
      expect(page.total).toBe(1);
      expect((await get(session, `/v1/teams/${mine.id}`)).status).toBe(200);
      expect((await get(session, `/v1/teams/${other.id}`)).status).toBe(404);
      expect((await get(session, `/v1/teams/${other.id}/members`)).status).toBe(404);
    }
    for (const session of [admin, manager.session]) {
      const response = await get(session, `/v1/teams/${other.id}`);
      expect(response.status).toBe(200);
      expect(response.headers.get("ETag")).toBe('"1"');
    }
  });

  it("pages newest first with an opaque cursor, without repeats or gaps", async () => {
    const isolated = await createTestContext({ env: { TRUST_PROXY: "true" } });
    try {
      const session = (await signedIn(isolated, "admin")).session;
      const created: string[] = [];
      for (let index = 0; index < 7; index++) {
        created.push((await insertTeam(isolated)).id);
        // PGlite's clock ticks in milliseconds: equal creation times would fall back to id order.
        await new Promise((resolve) => setTimeout(resolve, 3));
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const path: string = `/v1/teams?limit=3${cursor ? `&cursor=${cursor}` : ""}`;
        const response = await isolated.app.request(path, { headers: session.headers });
        expect(response.status).toBe(200);
        const page = (await response.json()) as { data: { id: string }[]; nextCursor: string | null };
        expect(page.data.length).toBeLessThanOrEqual(3);
        seen.push(...page.data.map((team) => team.id));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual([...created].reverse());
    } finally {
      await isolated.close();
    }
  });

  it("answers 400 for a bad cursor or limit, 404 for a missing team, 304 for a matching If-None-Match", async () => {
    expect((await get(admin, "/v1/teams?cursor=%%%")).status).toBe(400);
    expect((await get(admin, "/v1/teams?cursor=WyJ4IiwieSJd")).status).toBe(400);
    const forged = (at: string) =>
      Buffer.from(JSON.stringify([at, crypto.randomUUID()])).toString("base64url");
    for (const at of [
      "2024-02-30T00:00:00.000000Z",
      "0000-01-01T00:00:00.000000Z",
      "2024-01-01",
      "yesterday",
    ]) {
      expect((await get(admin, `/v1/teams?cursor=${forged(at)}`)).status, at).toBe(400);
    }
    expect((await get(admin, `/v1/teams?cursor=${forged("2024-01-01T00:00:00.123456Z")}`)).status).toBe(200);
    expect((await get(admin, "/v1/teams?limit=0")).status).toBe(400);
    expect((await get(admin, `/v1/teams/${crypto.randomUUID()}`)).status).toBe(404);
    expect((await get(admin, "/v1/teams/not-a-uuid")).status).toBe(400);
    const team = await insertTeam(ctx);
    expect((await get(admin, `/v1/teams/${team.id}`, { "If-None-Match": '"1"' })).status).toBe(304);
  });
});

describe("changing teams", () => {
  it("lets the lead manager rename it (Merge Patch), audited; a write is never read stale", async () => {
    const team = await insertTeam(ctx, [{ userId: manager.user.id, role: "lead" }]);
    await insertTeam(ctx);
    expect((await get(manager.session, `/v1/teams/${team.id}`)).status).toBe(200); // warms the cache
    const name = uniqueName("Renamed");
    const response = await patchTeam(
      manager.session,
      team.id,
      { name, description: null },
      { "If-Match": '"1"' },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("ETag")).toBe('"2"');
    const read = (await (await get(manager.session, `/v1/teams/${team.id}`)).json()) as TestTeam;
    expect(read).toMatchObject({ name, description: "", version: 2 });
    const audit = await auditRowsOf(ctx, "team", team.id);
    expect(audit.at(-1)).toMatchObject({
      action: "team.updated",
      before: { name: team.name, version: 1 },
      after: { name, version: 2 },
    });
  });

  it("forbids managers who do not lead the team (403), and members who are not leads", async () => {
    const team = await insertTeam(ctx, [{ userId: manager.user.id, role: "member" }]);
    const other = await signedIn(ctx, "manager");
    for (const session of [manager.session, other.session]) {
      const response = await patchTeam(session, team.id, { name: uniqueName() });
      expect(response.status).toBe(403);
      expect(((await response.json()) as { code: string }).code).toBe("not_team_lead");
      expect((await deleteTeam(session, team.id)).status).toBe(403);
    }
  });

  it("answers 412 with the current version for a stale If-Match, 409 for a taken name, 400 for an empty patch", async () => {
    const team = await insertTeam(ctx);
    const taken = await insertTeam(ctx);
    const stale = await patchTeam(admin, team.id, { name: uniqueName() }, { "If-Match": '"9"' });
    expect(stale.status).toBe(412);
    expect(((await stale.json()) as { currentVersion: number }).currentVersion).toBe(1);
    expect((await patchTeam(admin, team.id, { name: taken.name.toLowerCase() })).status).toBe(409);
    expect((await patchTeam(admin, team.id, {})).status).toBe(400);
    expect((await patchTeam(admin, team.id, { name: "x" }, { "If-Match": "nonsense" })).status).toBe(400);
    expect((await patchTeam(admin, crypto.randomUUID(), { name: "x" })).status).toBe(404);
  });
});

describe("deleting teams", () => {
  it("refuses while live tickets belong to it, then deletes once only deleted tickets remain", async () => {
    const team = await insertTeam(ctx, [{ userId: manager.user.id, role: "lead" }]);
    const live = await insertTicket(ctx, { teamId: team.id });
    const gone = await insertTicket(ctx, { teamId: team.id, deletedAt: new Date() });

    const refused = await deleteTeam(manager.session, team.id);
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { code: string }).code).toBe("team_has_tickets");

    await insertTicket(ctx); // another team's or no team's tickets do not matter
    await ctx.deps.db.update(tickets).set({ deletedAt: new Date() }).where(eq(tickets.id, live.id));

    expect((await deleteTeam(manager.session, team.id, { "If-Match": '"4"' })).status).toBe(412);
    expect((await deleteTeam(manager.session, team.id, { "If-Match": '"1"' })).status).toBe(204);
    expect((await get(admin, `/v1/teams/${team.id}`)).status).toBe(404);
    expect((await deleteTeam(admin, team.id)).status).toBe(404);
    const [detached] = await ctx.deps.db.select().from(tickets).where(eq(tickets.id, gone.id));
    expect(detached?.teamId).toBeNull();
    const audit = await auditRowsOf(ctx, "team", team.id);
    expect(audit.at(-1)).toMatchObject({ action: "team.deleted", before: { name: team.name }, after: null });
  });

  it("takes the team out of every reader's list at once", async () => {
    const developer = await signedIn(ctx, "developer");
    const team = await insertTeam(ctx);
    await addMember(ctx, team.id, developer.user.id);
    expect((await get(developer.session, `/v1/teams/${team.id}`)).status).toBe(200);
    expect((await deleteTeam(admin, team.id)).status).toBe(204);
    expect((await get(developer.session, `/v1/teams/${team.id}`)).status).toBe(404);
    const page = (await (await get(developer.session, "/v1/teams")).json()) as { data: unknown[] };
    expect(page.data).toEqual([]);
  });
});
