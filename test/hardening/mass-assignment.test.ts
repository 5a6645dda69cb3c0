import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog, tickets, users } from "../../src/db/schema.ts";
import { createDoorContext } from "../support/door.ts";
import { reportTicket } from "../support/factories/tickets.ts";
import { freshIp, jsonRequest, signedIn, uniqueEmail } from "../support/factories.ts";
import type { TestContext } from "../support/test-context.ts";

/**
 * Every write schema is strict (`additionalProperties: false` in the document): a field the
 * caller may not set is refused with 400 naming it, never silently ignored and never applied.
 */
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createDoorContext({ env: { TRUST_PROXY: "true" } });
});
afterAll(() => ctx.close());

async function expectRefused(response: Response, field: string) {
  expect(response.status).toBe(400);
  expect(response.headers.get("Content-Type")).toBe("application/problem+json");
  const problem = (await response.json()) as { code: string; errors?: { path: string; message: string }[] };
  expect(problem.code).toBe("validation_failed");
  expect(JSON.stringify(problem.errors)).toContain(field);
}

const auditCount = async (entityId: string) =>
  (await ctx.deps.db.select().from(auditLog).where(eq(auditLog.entityId, entityId))).length;

describe("mass assignment", () => {
  it("register refuses role (and __proto__ smuggling), creating no account", async () => {
    const email = uniqueEmail("mass");
    const base = { email, password: "correct horse battery staple 42", name: "Mallory" };
    const headers = { "X-Forwarded-For": freshIp() };
    await expectRefused(
      await ctx.app.request("/v1/auth/register", jsonRequest("POST", { ...base, role: "admin" }, headers)),
      "role",
    );
    const smuggled = await ctx.app.request("/v1/auth/register", {
      method: "POST",
      headers: { ...headers, "Content-Type": "application/json" },
      body: `${JSON.stringify(base).slice(0, -1)},"__proto__":{"role":"admin"}}`,
    });
    expect(smuggled.status).toBe(400);
    expect(await ctx.deps.db.select().from(users).where(eq(users.email, email))).toHaveLength(0);
  });

  it("PATCH /v1/me refuses role, status and version, changing nothing", async () => {
    const { user, session } = await signedIn(ctx, "reporter");
    for (const field of ["role", "status", "version"]) {
      const value = field === "role" ? "admin" : field === "status" ? "active" : 99;
      await expectRefused(
        await ctx.app.request(
          "/v1/me",
          jsonRequest("PATCH", { name: "Renamed", [field]: value }, session.headers),
        ),
        field,
      );
    }
    const [row] = await ctx.deps.db.select().from(users).where(eq(users.id, user.id));
    expect(row).toMatchObject({ role: "reporter", name: user.name, version: 1 });
    expect(await auditCount(user.id)).toBe(0);
  });

  it("no route changes an email: PATCH /v1/me and an admin's PATCH /v1/users/{id} refuse it", async () => {
    // The email is the sign-in identifier; with no route to change it, no change can skip
    // re-authentication (ASVS 7.5.1). The password, the other one, needs the current password.
    const { user, session } = await signedIn(ctx, "reporter");
    const admin = await signedIn(ctx, "admin");
    const email = uniqueEmail("takeover");
    await expectRefused(
      await ctx.app.request("/v1/me", jsonRequest("PATCH", { email }, session.headers)),
      "email",
    );
    await expectRefused(
      await ctx.app.request(`/v1/users/${user.id}`, jsonRequest("PATCH", { email }, admin.session.headers)),
      "email",
    );
    const [row] = await ctx.deps.db.select().from(users).where(eq(users.id, user.id));
    expect(row?.email).toBe(user.email);
    expect(await auditCount(user.id)).toBe(0);
  });

  it("POST /v1/tickets refuses reporterId (and id, version, status), creating nothing", async () => {
    const { user, session } = await signedIn(ctx, "reporter");
    const victim = await signedIn(ctx, "reporter");
    for (const [field, value] of [
      ["reporterId", victim.user.id],
      ["id", "00000000-0000-4000-8000-000000000001"],
      ["version", 7],
      ["status", "resolved"],
    ] as const) {
      await expectRefused(
        await ctx.app.request(
          "/v1/tickets",
          jsonRequest("POST", { title: "Mine", [field]: value }, session.headers),
        ),
        field,
      );
    }
    const created = await ctx.deps.db
      .select()
      .from(tickets)
      .where(and(eq(tickets.reporterId, victim.user.id)));
    expect(created).toHaveLength(0);
    expect(await ctx.deps.db.select().from(tickets).where(eq(tickets.reporterId, user.id))).toHaveLength(0);
  });

  it("PATCH /v1/tickets/{id} refuses reporterId and version, even from an admin", async () => {
    const reporter = await signedIn(ctx, "reporter");
    const admin = await signedIn(ctx, "admin");
    const ticket = await reportTicket(ctx, reporter.session, { title: "Original" });
    for (const session of [reporter.session, admin.session]) {
      for (const [field, value] of [
        ["reporterId", admin.user.id],
        ["version", 42],
      ] as const) {
        const response = await ctx.app.request(
          `/v1/tickets/${ticket.id}`,
          jsonRequest("PATCH", { title: "Changed", [field]: value }, session.headers),
        );
        await expectRefused(response, field);
      }
    }
    const [row] = await ctx.deps.db.select().from(tickets).where(eq(tickets.id, ticket.id));
    expect(row).toMatchObject({ reporterId: reporter.user.id, title: "Original", version: ticket.version });
  });

  it("other PATCH bodies refuse version too: the version comes from If-Match only", async () => {
    const admin = await signedIn(ctx, "admin");
    const team = await ctx.app.request(
      "/v1/teams",
      jsonRequest("POST", { name: `Team ${freshIp()}` }, admin.session.headers),
    );
    const { id } = (await team.json()) as { id: string };
    const response = await ctx.app.request(
      `/v1/teams/${id}`,
      jsonRequest("PATCH", { name: "Renamed", version: 5 }, admin.session.headers),
    );
    await expectRefused(response, "version");
  });
});
