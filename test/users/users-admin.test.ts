import { and, count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog, users } from "../../src/db/schema.ts";
import {
  createUser,
  DEFAULT_PASSWORD,
  jsonRequest,
  login,
  type Session,
  uniqueEmail,
} from "../support/factories.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";

let ctx: TestContext;
let admin: Session;
beforeAll(async () => {
  ctx = await createTestContext({ env: { TRUST_PROXY: "true" } });
  admin = await login(ctx, await createUser(ctx, { role: "admin" }));
});
afterAll(() => ctx.close());

const patchUser = (session: Session, id: string, body: unknown, headers: Record<string, string> = {}) =>
  ctx.app.request(`/v1/users/${id}`, jsonRequest("PATCH", body, { ...session.headers, ...headers }));

describe("users admin", () => {
  it("creates a user with a role who can then sign in; never returns the hash", async () => {
    const email = uniqueEmail("dev");
    const response = await ctx.app.request(
      "/v1/users",
      jsonRequest(
        "POST",
        { email, name: "Dev One", role: "developer", password: DEFAULT_PASSWORD },
        admin.headers,
      ),
    );
    expect(response.status).toBe(201);
    const created = (await response.json()) as { id: string; role: string };
    expect(created.role).toBe("developer");
    expect(response.headers.get("Location")).toBe(`/v1/users/${created.id}`);
    expect(response.headers.get("ETag")).toBe('"1"');
    expect(JSON.stringify(created)).not.toMatch(/hash|argon/i);
    await expect(login(ctx, { email, password: DEFAULT_PASSWORD })).resolves.toBeDefined();

    const duplicate = await ctx.app.request(
      "/v1/users",
      jsonRequest(
        "POST",
        { email: email.toUpperCase(), name: "Dup", role: "developer", password: DEFAULT_PASSWORD },
        admin.headers,
      ),
    );
    expect(duplicate.status).toBe(409);
  });

  it("pages through users with an opaque cursor, without repeats", async () => {
    for (let index = 0; index < 5; index++) await createUser(ctx, { role: "developer" });
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `/v1/users?role=developer&limit=2${cursor ? `&cursor=${cursor}` : ""}`;
      const response = await ctx.app.request(query, { headers: admin.headers });
      expect(response.status).toBe(200);
      const page = (await response.json()) as {
        data: { id: string; role: string }[];
        nextCursor: string | null;
      };
      expect(page.data.length).toBeLessThanOrEqual(2);
      expect(page.data.every((user) => user.role === "developer")).toBe(true);
      seen.push(...page.data.map((user) => user.id));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor && pages < 50);
    expect(seen.length).toBeGreaterThanOrEqual(5);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it("adds the total on count=true, matching the filter", async () => {
    await createUser(ctx, { role: "manager" });
    const response = await ctx.app.request("/v1/users?role=manager&count=true&limit=1", {
      headers: admin.headers,
    });
    const page = (await response.json()) as { data: unknown[]; total: number };
    const [managers] = await ctx.deps.db.select({ n: count() }).from(users).where(eq(users.role, "manager"));
    expect(page.data).toHaveLength(1);
    expect(page.total).toBe(managers?.n);
    const without = (await (
      await ctx.app.request("/v1/users?limit=1", { headers: admin.headers })
    ).json()) as object;
    expect(without).not.toHaveProperty("total");
  });

  it("rejects a malformed cursor and out-of-range limit with 400", async () => {
    expect((await ctx.app.request("/v1/users?cursor=%%%", { headers: admin.headers })).status).toBe(400);
    expect((await ctx.app.request("/v1/users?cursor=WyJ4Il0", { headers: admin.headers })).status).toBe(400);
    const tooMany = await ctx.app.request("/v1/users?limit=1000000", { headers: admin.headers });
    expect(tooMany.status).toBe(400);
    expect(((await tooMany.json()) as { errors: { path: string }[] }).errors[0]?.path).toBe("query.limit");
  });

  it("applies a role change on the user's very next request (ASVS 8.3.2)", async () => {
    const target = await createUser(ctx, { role: "reporter" });
    const session = await login(ctx, target);
    expect((await ctx.app.request("/v1/users", { headers: session.headers })).status).toBe(403);
    expect((await patchUser(admin, target.id, { role: "manager" })).status).toBe(200);
    expect((await ctx.app.request("/v1/users", { headers: session.headers })).status).toBe(200);
    expect((await patchUser(admin, target.id, { role: "developer" })).status).toBe(200);
    expect((await ctx.app.request("/v1/users", { headers: session.headers })).status).toBe(403);
  });

  it("ends every session of a disabled user at once (ASVS 7.4.2)", async () => {
    const target = await createUser(ctx);
    const one = await login(ctx, target);
    const two = await login(ctx, target);
    expect((await patchUser(admin, target.id, { status: "disabled" })).status).toBe(200);
    for (const session of [one, two]) {
      expect((await ctx.app.request("/v1/me", { headers: session.headers })).status).toBe(401);
      const refreshed = await ctx.app.request(
        "/v1/auth/refresh",
        jsonRequest("POST", { refreshToken: session.refreshToken }),
      );
      expect(refreshed.status).toBe(401);
    }
  });

  it("ends every session of a user who stays active, audited (ASVS 7.4.5)", async () => {
    const target = await createUser(ctx);
    const sessions = [await login(ctx, target), await login(ctx, target)];
    const bystander = await login(ctx, await createUser(ctx));
    const ended = await ctx.app.request(`/v1/users/${target.id}/sessions`, {
      method: "DELETE",
      headers: admin.headers,
    });
    expect(ended.status).toBe(204);
    for (const session of sessions) {
      expect((await ctx.app.request("/v1/me", { headers: session.headers })).status).toBe(401);
      const refreshed = await ctx.app.request(
        "/v1/auth/refresh",
        jsonRequest("POST", { refreshToken: session.refreshToken }),
      );
      expect(refreshed.status).toBe(401);
    }
    expect((await ctx.app.request("/v1/me", { headers: bystander.headers })).status).toBe(200);
    const again = await login(ctx, target);
    expect((await ctx.app.request("/v1/me", { headers: again.headers })).status).toBe(200);
    const [row] = await ctx.deps.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.entityId, target.id), eq(auditLog.action, "session.revoked")));
    expect(row?.after).toEqual({ sessions: "all", reason: "ended_by_admin" });
    const missing = await ctx.app.request(`/v1/users/${crypto.randomUUID()}/sessions`, {
      method: "DELETE",
      headers: admin.headers,
    });
    expect(missing.status).toBe(404);
  });

  it("honours If-Match: a stale version is 412 with the current version", async () => {
    const target = await createUser(ctx);
    const stale = await patchUser(admin, target.id, { name: "Second" }, { "If-Match": '"7"' });
    expect(stale.status).toBe(412);
    expect(((await stale.json()) as { currentVersion: number }).currentVersion).toBe(1);
    const fresh = await patchUser(admin, target.id, { name: "Second" }, { "If-Match": '"1"' });
    expect(fresh.status).toBe(200);
    expect(fresh.headers.get("ETag")).toBe('"2"');
    expect((await patchUser(admin, target.id, { name: "x" }, { "If-Match": "garbage" })).status).toBe(400);
  });

  it("refuses unknown fields and empty patches", async () => {
    const target = await createUser(ctx);
    expect((await patchUser(admin, target.id, { passwordHash: "x" })).status).toBe(400);
    expect((await patchUser(admin, target.id, {})).status).toBe(400);
    expect((await patchUser(admin, target.id, { role: "superuser" })).status).toBe(400);
  });

  it("answers 404 for a missing user and 400 for a malformed id", async () => {
    expect(
      (await ctx.app.request(`/v1/users/${crypto.randomUUID()}`, { headers: admin.headers })).status,
    ).toBe(404);
    expect((await ctx.app.request("/v1/users/not-a-uuid", { headers: admin.headers })).status).toBe(400);
  });
});

describe("the last active admin", () => {
  it("cannot demote or disable themself while alone, but can once another admin exists", async () => {
    const isolated = await createTestContext({ env: { TRUST_PROXY: "true" } });
    try {
      const onlyAdmin = await createUser(isolated, { role: "admin" });
      const session = await login(isolated, onlyAdmin);
      const patch = (body: unknown) =>
        isolated.app.request(`/v1/users/${onlyAdmin.id}`, jsonRequest("PATCH", body, session.headers));
      for (const body of [{ role: "manager" }, { status: "disabled" }]) {
        const response = await patch(body);
        expect(response.status).toBe(409);
        expect(((await response.json()) as { code: string }).code).toBe("last_admin");
      }
      await createUser(isolated, { role: "admin" });
      expect((await patch({ role: "manager" })).status).toBe(200);
    } finally {
      await isolated.close();
    }
  });
});
