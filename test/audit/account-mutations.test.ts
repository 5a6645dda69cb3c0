import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog } from "../../src/db/schema.ts";
import {
  createUser,
  DEFAULT_PASSWORD,
  freshIp,
  jsonRequest,
  login,
  type Session,
  signedIn,
  type TestUser,
  uniqueEmail,
} from "../support/factories.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";

let ctx: TestContext;
let admin: { user: TestUser; session: Session };
beforeAll(async () => {
  ctx = await createTestContext({ env: { TRUST_PROXY: "true" } });
  admin = await signedIn(ctx, "admin");
});
afterAll(() => ctx.close());

type AuditRow = typeof auditLog.$inferSelect;

const auditOf = (entityId: string): Promise<AuditRow[]> =>
  ctx.deps.db.select().from(auditLog).where(eq(auditLog.entityId, entityId)).orderBy(auditLog.id);

/** The one row a request wrote for this entity; the test fails on zero or several. */
async function onlyRow(entityId: string, action: string): Promise<AuditRow> {
  const rows = (await auditOf(entityId)).filter((row) => row.action === action);
  expect(rows).toHaveLength(1);
  return rows[0] as AuditRow;
}

const withAgent = (session: Session) => ({ ...session.headers, "User-Agent": "audit-test/1.0" });

describe("audit rows for account mutations", () => {
  it("user.registered: the new account is its own actor, with IP and user agent", async () => {
    const ip = freshIp();
    const email = uniqueEmail("registered");
    const response = await ctx.app.request(
      "/v1/auth/register",
      jsonRequest(
        "POST",
        { email, password: DEFAULT_PASSWORD, name: "New Reporter" },
        { "X-Forwarded-For": ip, "User-Agent": "signup-form/2", "X-Request-Id": "req-register-1" },
      ),
    );
    expect(response.status).toBe(201);
    const { id } = (await response.json()) as { id: string };
    const row = await onlyRow(id, "user.registered");
    expect(row).toMatchObject({
      actorId: id,
      actorRole: "reporter",
      entityType: "user",
      before: null,
      after: { email, name: "New Reporter", role: "reporter", status: "active" },
      requestId: "req-register-1",
      ip,
      userAgent: "signup-form/2",
    });
    expect(await auditOf(id)).toHaveLength(1);
  });

  it("a refused registration writes nothing", async () => {
    const existing = await createUser(ctx);
    const before = await ctx.deps.db.select({ n: sql<number>`count(*)::int` }).from(auditLog);
    const response = await ctx.app.request(
      "/v1/auth/register",
      jsonRequest(
        "POST",
        { email: existing.email, password: DEFAULT_PASSWORD, name: "Dup" },
        { "X-Forwarded-For": freshIp() },
      ),
    );
    expect(response.status).toBe(409);
    const after = await ctx.deps.db.select({ n: sql<number>`count(*)::int` }).from(auditLog);
    expect(after[0]?.n).toBe(before[0]?.n);
  });

  it("user.created: by the admin, with the new user's fields", async () => {
    const email = uniqueEmail("created");
    const response = await ctx.app.request(
      "/v1/users",
      jsonRequest(
        "POST",
        { email, name: "Made By Admin", role: "developer", password: DEFAULT_PASSWORD },
        withAgent(admin.session),
      ),
    );
    expect(response.status).toBe(201);
    const { id } = (await response.json()) as { id: string };
    const row = await onlyRow(id, "user.created");
    expect(row).toMatchObject({
      actorId: admin.user.id,
      actorRole: "admin",
      entityType: "user",
      before: null,
      after: { email, name: "Made By Admin", role: "developer", status: "active" },
      userAgent: "audit-test/1.0",
      ip: admin.session.headers["X-Forwarded-For"],
    });
    expect(row.requestId).toBe(response.headers.get("X-Request-Id"));
    expect(await auditOf(id)).toHaveLength(1);
  });

  it("user.updated: only the changed fields, before and after", async () => {
    const target = await createUser(ctx, { role: "reporter", name: "Old Name" });
    const response = await ctx.app.request(
      `/v1/users/${target.id}`,
      jsonRequest("PATCH", { name: "Old Name", role: "manager" }, withAgent(admin.session)),
    );
    expect(response.status).toBe(200);
    const row = await onlyRow(target.id, "user.updated");
    expect(row).toMatchObject({
      actorId: admin.user.id,
      actorRole: "admin",
      entityType: "user",
      before: { role: "reporter" },
      after: { role: "manager" },
    });
    expect(await auditOf(target.id)).toHaveLength(1);
  });

  it("disabling: user.updated plus one session.revoked on the user; re-disabling ends nothing new", async () => {
    const target = await createUser(ctx);
    const session = await login(ctx, target);
    const disable = () =>
      ctx.app.request(
        `/v1/users/${target.id}`,
        jsonRequest("PATCH", { status: "disabled" }, withAgent(admin.session)),
      );
    expect((await disable()).status).toBe(200);
    expect((await ctx.app.request("/v1/me", { headers: session.headers })).status).toBe(401);

    const updated = await onlyRow(target.id, "user.updated");
    expect(updated).toMatchObject({ before: { status: "active" }, after: { status: "disabled" } });
    const revoked = await onlyRow(target.id, "session.revoked");
    expect(revoked).toMatchObject({
      actorId: admin.user.id,
      actorRole: "admin",
      entityType: "user",
      entityId: target.id,
      before: null,
      after: { sessions: "all", reason: "user_disabled" },
    });

    expect((await disable()).status).toBe(200);
    expect((await auditOf(target.id)).map((row) => row.action)).toEqual([
      "user.updated",
      "session.revoked",
      "user.updated",
    ]);
  });

  it("a refused update (412) writes nothing", async () => {
    const target = await createUser(ctx);
    const response = await ctx.app.request(
      `/v1/users/${target.id}`,
      jsonRequest("PATCH", { name: "Never" }, { ...admin.session.headers, "If-Match": '"99"' }),
    );
    expect(response.status).toBe(412);
    expect(await auditOf(target.id)).toHaveLength(0);
  });

  it("user.password_changed: by the user, that it happened and nothing else", async () => {
    const user = await createUser(ctx, { password: "a first long password" });
    const session = await login(ctx, user);
    const response = await ctx.app.request(
      "/v1/auth/password",
      jsonRequest(
        "POST",
        { currentPassword: "a first long password", newPassword: "a second long password" },
        withAgent(session),
      ),
    );
    expect(response.status).toBe(204);
    const row = await onlyRow(user.id, "user.password_changed");
    expect(row).toMatchObject({
      actorId: user.id,
      actorRole: "reporter",
      entityType: "user",
      before: null,
      after: { otherSessionsEnded: true },
      userAgent: "audit-test/1.0",
    });
    expect(await auditOf(user.id)).toHaveLength(1);
  });

  it("a wrong current password writes nothing", async () => {
    const user = await createUser(ctx);
    const session = await login(ctx, user);
    const response = await ctx.app.request(
      "/v1/auth/password",
      jsonRequest(
        "POST",
        { currentPassword: "not it at all", newPassword: "a second long password" },
        session.headers,
      ),
    );
    expect(response.status).toBe(403);
    expect(await auditOf(user.id)).toHaveLength(0);
  });

  it("user.renamed: PATCH /v1/me by the user, old and new name", async () => {
    const user = await createUser(ctx, { role: "developer", name: "Before Rename" });
    const session = await login(ctx, user);
    const response = await ctx.app.request(
      "/v1/me",
      jsonRequest("PATCH", { name: "After Rename" }, session.headers),
    );
    expect(response.status).toBe(200);
    const row = await onlyRow(user.id, "user.renamed");
    expect(row).toMatchObject({
      actorId: user.id,
      actorRole: "developer",
      entityType: "user",
      before: { name: "Before Rename" },
      after: { name: "After Rename" },
    });
    expect(await auditOf(user.id)).toHaveLength(1);
  });

  it("no audit row ever holds a password hash", async () => {
    const email = uniqueEmail("hashless");
    const password = "an initial long password";
    const created = await ctx.app.request(
      "/v1/users",
      jsonRequest("POST", { email, name: "Hashless", role: "reporter", password }, admin.session.headers),
    );
    expect(created.status).toBe(201);
    const session = await login(ctx, { email, password });
    const changed = await ctx.app.request(
      "/v1/auth/password",
      jsonRequest(
        "POST",
        { currentPassword: password, newPassword: "a replaced long password" },
        session.headers,
      ),
    );
    expect(changed.status).toBe(204);
    // Every row in this file's database, whichever test wrote it.
    const rows = await ctx.deps.db.select().from(auditLog);
    expect(rows.length).toBeGreaterThanOrEqual(2);
    const text = JSON.stringify(rows);
    expect(text).not.toMatch(/argon2/i);
    expect(text).not.toMatch(/password_?hash/i);
  });
});
