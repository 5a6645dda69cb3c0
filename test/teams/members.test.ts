import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditRowsOf, insertTeam } from "../support/factories/teams.ts";
import { createUser, jsonRequest, type Session, signedIn } from "../support/factories.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";

let ctx: TestContext;
let admin: Session;
let lead: { user: { id: string }; session: Session };
beforeAll(async () => {
  ctx = await createTestContext({ env: { TRUST_PROXY: "true" } });
  admin = (await signedIn(ctx, "admin")).session;
  lead = await signedIn(ctx, "manager");
});
afterAll(() => ctx.close());

const putMember = (session: Session, teamId: string, userId: string, body: unknown) =>
  ctx.app.request(`/v1/teams/${teamId}/members/${userId}`, jsonRequest("PUT", body, session.headers));
const removeMember = (session: Session, teamId: string, userId: string) =>
  ctx.app.request(`/v1/teams/${teamId}/members/${userId}`, { method: "DELETE", headers: session.headers });
const members = async (session: Session, teamId: string, query = "") => {
  const response = await ctx.app.request(`/v1/teams/${teamId}/members${query}`, { headers: session.headers });
  expect(response.status).toBe(200);
  return (await response.json()) as {
    data: { userId: string; role: string; userRole: string; name: string }[];
    nextCursor: string | null;
    total?: number;
  };
};

describe("team members", () => {
  it("adds (201), keeps (200) and changes (200) a member's role, each change audited", async () => {
    const team = await insertTeam(ctx, [{ userId: lead.user.id, role: "lead" }]);
    const developer = await createUser(ctx, { role: "developer" });

    const added = await putMember(lead.session, team.id, developer.id, { role: "member" });
    expect(added.status).toBe(201);
    expect(await added.json()).toMatchObject({
      teamId: team.id,
      userId: developer.id,
      role: "member",
      userRole: "developer",
    });
    expect((await putMember(lead.session, team.id, developer.id, { role: "member" })).status).toBe(200);
    const promoted = await putMember(lead.session, team.id, developer.id, { role: "lead" });
    expect(promoted.status).toBe(200);
    expect(((await promoted.json()) as { role: string }).role).toBe("lead");

    const audit = await auditRowsOf(ctx, "team", team.id);
    expect(audit.map((row) => row.action)).toEqual(["team.member_added", "team.member_updated"]);
    expect(audit[1]).toMatchObject({
      before: { member: { userId: developer.id, role: "member" } },
      after: { member: { userId: developer.id, role: "lead" } },
    });
  });

  it("removes a member (204, audited); removing again is 404", async () => {
    const team = await insertTeam(ctx);
    const user = await createUser(ctx);
    expect((await putMember(admin, team.id, user.id, { role: "member" })).status).toBe(201);
    expect((await removeMember(admin, team.id, user.id)).status).toBe(204);
    expect((await members(admin, team.id)).data).toEqual([]);
    expect((await removeMember(admin, team.id, user.id)).status).toBe(404);
    const audit = await auditRowsOf(ctx, "team", team.id);
    expect(audit.at(-1)).toMatchObject({
      action: "team.member_removed",
      before: { member: { userId: user.id, role: "member" } },
    });
  });

  it("lets a new member see the team at once, and no longer once removed", async () => {
    const team = await insertTeam(ctx);
    const reporter = await signedIn(ctx, "reporter");
    const teamPath = `/v1/teams/${team.id}`;
    expect((await ctx.app.request(teamPath, { headers: reporter.session.headers })).status).toBe(404);
    await putMember(admin, team.id, reporter.user.id, { role: "member" });
    expect((await ctx.app.request(teamPath, { headers: reporter.session.headers })).status).toBe(200);
    expect((await members(reporter.session, team.id)).data.map((member) => member.userId)).toEqual([
      reporter.user.id,
    ]);
    await removeMember(admin, team.id, reporter.user.id);
    expect((await ctx.app.request(teamPath, { headers: reporter.session.headers })).status).toBe(404);
  });

  it("pages members by user id with a total", async () => {
    const team = await insertTeam(ctx);
    const ids: string[] = [];
    for (let index = 0; index < 5; index++) {
      const user = await createUser(ctx);
      ids.push(user.id);
      await putMember(admin, team.id, user.id, { role: "member" });
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await members(admin, team.id, `?limit=2&count=true${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.total).toBe(5);
      seen.push(...page.data.map((member) => member.userId));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].sort());
    const badCursor = await ctx.app.request(`/v1/teams/${team.id}/members?cursor=WyJ4Il0`, {
      headers: admin.headers,
    });
    expect(badCursor.status).toBe(400);
  });

  it("only admins and the team's lead managers manage members (403 otherwise)", async () => {
    const team = await insertTeam(ctx, [{ userId: lead.user.id, role: "member" }]);
    const user = await createUser(ctx);
    const outsider = await signedIn(ctx, "manager");
    for (const session of [lead.session, outsider.session]) {
      const response = await putMember(session, team.id, user.id, { role: "member" });
      expect(response.status).toBe(403);
      expect(((await response.json()) as { code: string }).code).toBe("not_team_lead");
      expect((await removeMember(session, team.id, lead.user.id)).status).toBe(403);
    }
    const developer = await signedIn(ctx, "developer");
    const forbidden = await putMember(developer.session, team.id, developer.user.id, { role: "lead" });
    expect(forbidden.status).toBe(403);
    expect(((await forbidden.json()) as { code: string }).code).toBe("role_forbidden");
  });

  it("answers 404 for a missing team or user and 400 for a bad role", async () => {
    const team = await insertTeam(ctx);
    const user = await createUser(ctx);
    expect((await putMember(admin, crypto.randomUUID(), user.id, { role: "member" })).status).toBe(404);
    const noUser = await putMember(admin, team.id, crypto.randomUUID(), { role: "member" });
    expect(noUser.status).toBe(404);
    expect(((await noUser.json()) as { code: string }).code).toBe("user_not_found");
    expect((await putMember(admin, team.id, user.id, { role: "owner" })).status).toBe(400);
    expect((await putMember(admin, team.id, user.id, {})).status).toBe(400);
    expect((await putMember(admin, team.id, "nope", { role: "member" })).status).toBe(400);
  });
});
