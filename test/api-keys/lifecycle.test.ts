import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_KEY_PATTERN } from "../../src/features/api-keys/key-format.ts";
import { createUser, jsonRequest, login, type Session } from "../support/factories.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";
import { type CreatedKey, createKey, problemOf, withKey } from "./support.ts";

let ctx: TestContext;
let admin: Session;
const issued: string[] = [];
beforeAll(async () => {
  ctx = await createTestContext({ env: { TRUST_PROXY: "true" } });
  admin = await login(ctx, await createUser(ctx, { role: "admin" }));
});
afterAll(() => ctx.close());

async function signedIn(role: "admin" | "manager" | "developer" | "reporter") {
  const user = await createUser(ctx, { role });
  return { user, session: await login(ctx, user) };
}

async function keyFor(session: Session, body: Parameters<typeof createKey>[2]): Promise<CreatedKey> {
  const created = await createKey(ctx, session, body);
  issued.push(created.key);
  return created;
}

describe("API keys: create, use, list, revoke", () => {
  it("shows the key once, in the scanner-visible format, and then works as a bearer credential", async () => {
    const { user, session } = await signedIn("developer");
    const response = await ctx.app.request(
      "/v1/api-keys",
      jsonRequest("POST", { name: "CI sync", scopes: ["tickets:read", "tickets:read"] }, session.headers),
    );
    expect(response.status).toBe(201);
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    const created = (await response.json()) as CreatedKey;
    issued.push(created.key);

    expect(created.key).toMatch(API_KEY_PATTERN);
    expect(created.key.startsWith(`${created.prefix}_`)).toBe(true);
    expect(created).toMatchObject({ kind: "personal", ownerId: user.id, createdBy: user.id });
    expect(created.scopes).toEqual(["tickets:read"]);
    expect((await withKey(ctx, created.key, "/v1/tickets")).status).toBe(200);
    const me = await withKey(ctx, created.key, "/v1/me");
    expect(me.status).toBe(403);
    expect(((await me.json()) as { code: string }).code).toBe("scope_forbidden");
  });

  it("stores only the key's SHA-256 and lists keys without it", async () => {
    const { session } = await signedIn("reporter");
    const created = await keyFor(session, { scopes: ["tickets:read"] });

    const list = await ctx.app.request("/v1/api-keys", { headers: session.headers });
    const text = await list.text();
    expect(list.status).toBe(200);
    expect(JSON.parse(text).data.map((key: { id: string }) => key.id)).toEqual([created.id]);
    expect(text).not.toContain(created.key.slice(22));
    const stored = await ctx.deps.db.execute(sql`select * from api_keys where id = ${created.id}`);
    expect(JSON.stringify(stored)).not.toContain(created.key.slice(22, 65));
  });

  it("refuses a key on people-only routes and a key without the route's scope", async () => {
    const { session } = await signedIn("manager");
    const { key } = await keyFor(session, { scopes: ["tickets:read", "teams:read"] });

    for (const [method, path] of [
      ["POST", "/v1/api-keys"],
      ["GET", "/v1/api-keys"],
      ["POST", "/v1/auth/logout"],
      ["POST", "/v1/auth/password"],
      ["GET", "/v1/auth/sessions"],
      ["POST", "/v1/events/tokens"],
    ] as const) {
      const response = await withKey(ctx, key, path, { method });
      expect(response.status, `${method} ${path}`).toBe(403);
      expect(((await response.json()) as { code: string }).code).toBe("api_key_not_allowed");
    }
    const write = await withKey(ctx, key, "/v1/tickets", jsonRequest("POST", { title: "From a key" }));
    expect(write.status).toBe(403);
    expect(((await write.json()) as { code: string }).code).toBe("scope_forbidden");
  });

  it("answers an unknown, a forged, a revoked and a malformed key with the same 401", async () => {
    const { session } = await signedIn("developer");
    const created = await keyFor(session, { scopes: ["tickets:read"] });
    const other = await keyFor(session, { scopes: ["tickets:read"] });
    expect((await withKey(ctx, created.key, "/v1/tickets")).status).toBe(200);

    const revoke = await ctx.app.request(`/v1/api-keys/${created.id}`, {
      method: "DELETE",
      headers: session.headers,
    });
    expect(revoke.status).toBe(204);

    const revoked = await problemOf(await withKey(ctx, created.key, "/v1/tickets"));
    // The other key's public id with this key's secret: found by id, refused by the hash.
    const forged = `${other.prefix}${created.key.slice(other.prefix.length)}`;
    const cases = {
      unknown: `tix_test_${"A".repeat(12)}_${"B".repeat(49)}`,
      forged,
      malformed: "tix_live_nope",
    };
    expect(revoked.status).toBe(401);
    for (const [name, key] of Object.entries(cases)) {
      expect(await problemOf(await withKey(ctx, key, "/v1/tickets")), name).toEqual(revoked);
    }
    expect((await withKey(ctx, other.key, "/v1/tickets")).status).toBe(200);
  });

  it("lets admins list and revoke anyone's keys; others see their own only, another's looks missing", async () => {
    const owner = await signedIn("developer");
    const stranger = await signedIn("manager");
    const created = await keyFor(owner.session, { scopes: ["tickets:read"] });

    const strangersView = await ctx.app.request(`/v1/api-keys?ownerId=${owner.user.id}`, {
      headers: stranger.session.headers,
    });
    expect(((await strangersView.json()) as { data: unknown[] }).data).toEqual([]);
    const strangerRevokes = await ctx.app.request(`/v1/api-keys/${created.id}`, {
      method: "DELETE",
      headers: stranger.session.headers,
    });
    expect(strangerRevokes.status).toBe(404);

    const adminsView = await ctx.app.request(`/v1/api-keys?ownerId=${owner.user.id}`, {
      headers: admin.headers,
    });
    expect(((await adminsView.json()) as { data: { id: string }[] }).data.map((key) => key.id)).toEqual([
      created.id,
    ]);
    const adminRevokes = await ctx.app.request(`/v1/api-keys/${created.id}`, {
      method: "DELETE",
      headers: admin.headers,
    });
    expect(adminRevokes.status).toBe(204);
    expect((await withKey(ctx, created.key, "/v1/tickets")).status).toBe(401);
  });

  it("lets only admins make service keys, which act with the service account's role", async () => {
    const service = await createUser(ctx, { role: "reporter", name: "Chat bot" });
    const { session } = await signedIn("manager");
    const refused = await ctx.app.request(
      "/v1/api-keys",
      jsonRequest("POST", { name: "Bot", scopes: ["tickets:write"], ownerId: service.id }, session.headers),
    );
    expect(refused.status).toBe(403);

    const created = await keyFor(admin, { scopes: ["tickets:write", "users:read"], ownerId: service.id });
    expect(created).toMatchObject({ kind: "service", ownerId: service.id });
    const ticket = await withKey(
      ctx,
      created.key,
      "/v1/tickets",
      jsonRequest("POST", { title: "From the bot" }),
    );
    expect(ticket.status).toBe(201);
    expect(((await ticket.json()) as { reporterId: string }).reporterId).toBe(service.id);
    // users:read does not lift a reporter to the users list.
    const users = await withKey(ctx, created.key, "/v1/users");
    expect(users.status).toBe(403);
    expect(((await users.json()) as { code: string }).code).toBe("role_forbidden");
  });

  it("writes audit rows for creation and revocation, without the key", async () => {
    const { user, session } = await signedIn("developer");
    const created = await keyFor(session, { scopes: ["tickets:read"] });
    await ctx.app.request(`/v1/api-keys/${created.id}`, { method: "DELETE", headers: session.headers });

    const rows = (await ctx.deps.db.execute(
      sql`select action, actor_id, after from audit_log where entity_type = 'api_key' and entity_id = ${created.id} order by id`,
    )) as unknown as { action: string; actor_id: string }[];
    expect(rows.map((row) => [row.action, row.actor_id])).toEqual([
      ["api_key.created", user.id],
      ["api_key.revoked", user.id],
    ]);
    expect(JSON.stringify(rows)).not.toContain(created.key.slice(22, 65));
  });

  it("holds an account to 25 live keys", async () => {
    const { session } = await signedIn("reporter");
    for (let index = 0; index < 25; index++) await keyFor(session, { scopes: ["tickets:read"] });
    const refused = await ctx.app.request(
      "/v1/api-keys",
      jsonRequest("POST", { name: "One too many", scopes: ["tickets:read"] }, session.headers),
    );
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { code: string }).code).toBe("api_key_limit");
  });

  it("costs an access token caller no key lookup", async () => {
    const { session } = await signedIn("developer");
    const before = ctx.queries.length;
    expect((await ctx.app.request("/v1/me", { headers: session.headers })).status).toBe(200);
    expect(ctx.queries.slice(before).join("\n")).not.toContain("api_keys");
  });

  it("never writes a key to the logs", () => {
    expect(issued.length).toBeGreaterThan(25);
    const logged = JSON.stringify(ctx.logs);
    expect(logged).toContain('"apiKeyId"');
    for (const key of issued) expect(logged).not.toContain(key.slice(22, 65));
  });
});
