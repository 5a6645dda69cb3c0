import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog, invitations, teamMembers } from "../../src/db/schema.ts";
import {
  createUser,
  freshIp,
  jsonRequest,
  login,
  type Session,
  signedIn,
  uniqueEmail,
} from "../support/factories.ts";
import { tokenIn } from "../support/mail-catcher.ts";
import { type MailFlowContext, startMailFlow } from "../support/mail-flow.ts";

let flow: MailFlowContext;
let admin: Session;
beforeAll(async () => {
  flow = await startMailFlow();
  admin = (await signedIn(flow.ctx, "admin")).session;
});
afterAll(() => flow.close());

const PASSWORD = "my own chosen passphrase 8";

async function send(method: string, path: string, session: Session, body?: unknown) {
  return flow.ctx.app.request(
    path,
    body === undefined ? { method, headers: session.headers } : jsonRequest(method, body, session.headers),
  );
}

async function newTeam(name = `Team ${crypto.randomUUID().slice(0, 8)}`): Promise<string> {
  const response = await send("POST", "/v1/teams", admin, { name });
  return ((await response.json()) as { id: string }).id;
}

function accept(token: string, name = "Ivy Invitee", password = PASSWORD) {
  return flow.ctx.app.request(
    "/v1/invitations/accept",
    jsonRequest("POST", { token, name, password }, { "X-Forwarded-For": freshIp() }),
  );
}

async function invitationMail(email: string, count = 1) {
  await expect.poll(async () => (await flow.mail.to(email)).length, { timeout: 10_000 }).toBe(count);
  return (await flow.mail.to(email))[count - 1] as Awaited<ReturnType<typeof flow.mail.waitFor>>;
}

describe("invitations", () => {
  it("lets the invitee choose name and password, joins the teams with the role, and signs them in", async () => {
    const teamId = await newTeam("Platform <script>alert(1)</script>");
    const email = uniqueEmail("invitee");
    const created = await send("POST", "/v1/invitations", admin, {
      email,
      role: "developer",
      teamIds: [teamId],
    });
    expect(created.status).toBe(201);
    const invitation = (await created.json()) as Record<string, unknown>;
    expect(invitation).toMatchObject({ email, role: "developer", teamIds: [teamId], status: "pending" });
    expect(JSON.stringify(invitation)).not.toMatch(/token/i);

    const mail = await invitationMail(email);
    expect(mail.subject).toMatch(/invited you to TixGenius/);
    expect(mail.text).toContain("accept-invitation?token=");
    // The team's name is user content: escaped in the HTML part, never markup.
    expect(mail.html).toContain("Platform &lt;script&gt;alert(1)&lt;/script&gt;");
    expect(mail.html).not.toContain("<script>");

    const accepted = await accept(tokenIn(mail));
    expect(accepted.status).toBe(201);
    const pair = (await accepted.json()) as {
      accessToken: string;
      user: { id: string; role: string; email: string };
    };
    expect(pair.user).toMatchObject({ role: "developer", email });
    const me = await flow.ctx.app.request("/v1/me", {
      headers: { Authorization: `Bearer ${pair.accessToken}` },
    });
    expect(await me.json()).toMatchObject({ name: "Ivy Invitee", role: "developer" });
    const memberships = await flow.ctx.deps.db
      .select()
      .from(teamMembers)
      .where(eq(teamMembers.userId, pair.user.id));
    expect(memberships).toEqual([expect.objectContaining({ teamId, role: "member" })]);

    expect((await accept(tokenIn(mail))).status).toBe(400);
    const listed = await send("GET", `/v1/invitations?status=accepted`, admin);
    expect(((await listed.json()) as { data: { id: string; acceptedUserId: string }[] }).data).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: invitation.id, acceptedUserId: pair.user.id })]),
    );
    const audit = await flow.ctx.deps.db
      .select({ action: auditLog.action })
      .from(auditLog)
      .where(eq(auditLog.entityId, invitation.id as string));
    expect(audit.map((row) => row.action).sort()).toEqual(["invitation.accepted", "invitation.created"]);
  });

  it("expires: an old link is refused, and the address may be invited again", async () => {
    const email = uniqueEmail("late");
    const created = await send("POST", "/v1/invitations", admin, { email, role: "reporter" });
    const { id, expiresAt } = (await created.json()) as { id: string; expiresAt: string };
    const hoursValid = (Date.parse(expiresAt) - Date.now()) / 3600_000;
    expect(hoursValid).toBeGreaterThan(71.9);
    expect(hoursValid).toBeLessThanOrEqual(72);
    const token = tokenIn(await invitationMail(email));
    // 72 hours pass: the server's clock moves past the expiry (the admin's own token stays valid).
    flow.advance(72 * 3600_000 + 60_000);
    try {
      expect((await accept(token)).status).toBe(400);
    } finally {
      flow.advance(-(72 * 3600_000 + 60_000));
    }
    await flow.ctx.deps.db
      .update(invitations)
      .set({ expiresAt: new Date(Date.now() - 60_000) })
      .where(eq(invitations.id, id));
    const expired = await send("GET", "/v1/invitations?status=expired", admin);
    expect(JSON.stringify(await expired.json())).toContain(email);
    expect((await send("POST", "/v1/invitations", admin, { email, role: "reporter" })).status).toBe(201);
  });

  it("revokes (the link stops working) and resends (a new link; the old one stops working)", async () => {
    const email = uniqueEmail("revoked");
    const created = await send("POST", "/v1/invitations", admin, { email, role: "reporter" });
    const { id } = (await created.json()) as { id: string };
    const first = tokenIn(await invitationMail(email));
    expect((await send("POST", "/v1/invitations", admin, { email, role: "reporter" })).status).toBe(409);

    const resent = await send("POST", `/v1/invitations/${id}/resend`, admin);
    expect(resent.status).toBe(200);
    const second = tokenIn(await invitationMail(email, 2));
    expect(second).not.toBe(first);
    expect((await accept(first)).status).toBe(400);

    expect((await send("DELETE", `/v1/invitations/${id}`, admin)).status).toBe(204);
    expect((await accept(second)).status).toBe(400);
    expect((await send("DELETE", `/v1/invitations/${id}`, admin)).status).toBe(409);
    expect((await send("POST", `/v1/invitations/${id}/resend`, admin)).status).toBe(409);
    const actions = await flow.ctx.deps.db
      .select({ action: auditLog.action })
      .from(auditLog)
      .where(eq(auditLog.entityId, id));
    expect(actions.map((row) => row.action).sort()).toEqual([
      "invitation.created",
      "invitation.resent",
      "invitation.revoked",
    ]);
  });

  it("refuses an address that already has an account", async () => {
    const existing = await createUser(flow.ctx);
    const response = await send("POST", "/v1/invitations", admin, {
      email: existing.email,
      role: "reporter",
    });
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ code: "email_taken" });
  });

  it("lets a manager invite developers and reporters into teams they lead, and nothing else", async () => {
    const manager = await signedIn(flow.ctx, "manager");
    const led = await newTeam();
    const other = await newTeam();
    await send("PUT", `/v1/teams/${led}/members/${manager.user.id}`, admin, { role: "lead" });
    const invite = (body: Record<string, unknown>) =>
      send("POST", "/v1/invitations", manager.session, { email: uniqueEmail("m"), ...body });

    expect((await invite({ role: "developer", teamIds: [led] })).status).toBe(201);
    expect((await invite({ role: "admin", teamIds: [led] })).status).toBe(403);
    expect((await invite({ role: "manager", teamIds: [led] })).status).toBe(403);
    expect((await invite({ role: "developer", teamIds: [other] })).status).toBe(403);
    expect((await invite({ role: "developer", teamIds: [] })).status).toBe(422);
    const missing = await invite({ role: "developer", teamIds: [crypto.randomUUID()] });
    expect(missing.status).toBe(422);
    expect(await missing.json()).toMatchObject({ errors: [{ path: "body.teamIds" }] });

    // Another sender's invitation looks missing to a manager.
    const adminInvite = await send("POST", "/v1/invitations", admin, {
      email: uniqueEmail("a"),
      role: "reporter",
    });
    const { id } = (await adminInvite.json()) as { id: string };
    expect((await send("DELETE", `/v1/invitations/${id}`, manager.session)).status).toBe(404);
    expect((await send("GET", `/v1/invitations/${id}`, manager.session)).status).toBe(404);
    expect((await send("GET", `/v1/invitations/${id}`, admin)).status).toBe(200);
    const mine = await send("GET", "/v1/invitations", manager.session);
    const listed = ((await mine.json()) as { data: { invitedBy: string }[] }).data;
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.every((entry) => entry.invitedBy === manager.user.id)).toBe(true);
  });

  it("is not for developers or reporters", async () => {
    const developer = await signedIn(flow.ctx, "developer");
    const response = await send("POST", "/v1/invitations", developer.session, {
      email: uniqueEmail("d"),
      role: "reporter",
    });
    expect(response.status).toBe(403);
  });
});

describe("an admin-set password must be changed at the next sign-in (ASVS 5.0 6.4.1)", () => {
  it("signs in, but answers 403 password_change_required until the password is changed", async () => {
    const email = uniqueEmail("forced");
    const initial = "admin chose this passphrase 4";
    const created = await send("POST", "/v1/users", admin, {
      email,
      name: "Fo Rced",
      role: "developer",
      password: initial,
    });
    expect(created.status).toBe(201);
    const session = await login(flow.ctx, { email, password: initial });

    const blocked = await flow.ctx.app.request("/v1/tickets", { headers: session.headers });
    expect(blocked.status).toBe(403);
    expect(await blocked.json()).toMatchObject({ code: "password_change_required" });
    expect((await flow.ctx.app.request("/v1/me", { headers: session.headers })).status).toBe(200);

    const changed = await send("POST", "/v1/auth/password", session, {
      currentPassword: initial,
      newPassword: "my own secret passphrase 61",
    });
    expect(changed.status).toBe(204);
    expect((await flow.ctx.app.request("/v1/tickets", { headers: session.headers })).status).toBe(200);
  });
});
