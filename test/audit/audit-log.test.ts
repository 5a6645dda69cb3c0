import { randomBytes, randomUUID } from "node:crypto";
import { hc } from "hono/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppType } from "../../src/app.ts";
import { auditLog } from "../../src/db/schema.ts";
import { createDoorContext, currentDoor } from "../support/door.ts";
import { type Session, signedIn } from "../support/factories.ts";
import type { TestContext } from "../support/test-context.ts";

let ctx: TestContext;
let admin: Session;
beforeAll(async () => {
  ctx = await createDoorContext({ env: { TRUST_PROXY: "true" } });
  admin = (await signedIn(ctx, "admin")).session;
});
afterAll(() => ctx.close());

interface Entry {
  id: number;
  actorId: string | null;
  action: string;
  entityType: string;
  entityId: string;
  before: unknown;
  after: unknown;
  createdAt: string;
}
interface Page {
  data: Entry[];
  nextCursor: string | null;
  total?: number;
}

const cursorOf = (values: unknown[]) => Buffer.from(JSON.stringify(values)).toString("base64url");

/** A private entity type per test, so each test sees only its own rows. */
const uniqueType = () => `thing_${randomBytes(4).toString("hex")}`;

async function insertRows(rows: Partial<typeof auditLog.$inferInsert>[]) {
  return ctx.deps.db
    .insert(auditLog)
    .values(rows.map((row) => ({ action: "thing.created", entityType: "thing", entityId: "1", ...row })))
    .returning();
}

async function list(query: string, session = admin): Promise<{ status: number; body: Page }> {
  const response = await ctx.app.request(`/v1/audit-log?${query}`, { headers: session.headers });
  return { status: response.status, body: (await response.json()) as Page };
}

describe("GET /v1/audit-log", () => {
  it("returns entries newest first with the documented fields", async () => {
    const entityType = uniqueType();
    const actorId = randomUUID();
    await insertRows([
      { entityType, actorId, actorRole: "manager", createdAt: new Date("2025-01-01T10:00:00Z") },
      {
        entityType,
        actorId,
        actorRole: "manager",
        action: "thing.updated",
        before: { name: "a" },
        after: { name: "b" },
        requestId: "req-1",
        ip: "2001:db8::1",
        userAgent: "vitest",
        createdAt: new Date("2025-01-02T10:00:00Z"),
      },
    ]);
    const { status, body } = await list(`entityType=${entityType}`);
    expect(status).toBe(200);
    expect(body.data.map((entry) => entry.action)).toEqual(["thing.updated", "thing.created"]);
    expect(body.data[0]).toEqual({
      id: expect.any(Number),
      actorId,
      actorRole: "manager",
      action: "thing.updated",
      entityType,
      entityId: "1",
      before: { name: "a" },
      after: { name: "b" },
      requestId: "req-1",
      ip: "2001:db8::1",
      userAgent: "vitest",
      createdAt: "2025-01-02T10:00:00.000Z",
    });
    expect(body.nextCursor).toBeNull();
  });

  it("filters by actor, entity, action and an inclusive time range", async () => {
    const entityType = uniqueType();
    const [alice, bob] = [randomUUID(), randomUUID()];
    const at = (day: number) => new Date(`2025-03-0${day}T12:00:00Z`);
    await insertRows([
      { entityType, entityId: "a", actorId: alice, action: "thing.created", createdAt: at(1) },
      { entityType, entityId: "a", actorId: bob, action: "thing.updated", createdAt: at(2) },
      { entityType, entityId: "b", actorId: alice, action: "thing.updated", createdAt: at(3) },
      { entityType, entityId: "b", actorId: null, action: "thing.deleted", createdAt: at(4) },
    ]);
    const ids = async (query: string) =>
      (await list(`entityType=${entityType}&${query}`)).body.data.map(
        (entry) => `${entry.entityId}:${entry.action}`,
      );

    expect(await ids(`actorId=${alice}`)).toEqual(["b:thing.updated", "a:thing.created"]);
    expect(await ids("entityId=a")).toEqual(["a:thing.updated", "a:thing.created"]);
    expect(await ids("action=thing.updated")).toEqual(["b:thing.updated", "a:thing.updated"]);
    expect(await ids(`from=${at(2).toISOString()}&to=${at(3).toISOString()}`)).toEqual([
      "b:thing.updated",
      "a:thing.updated",
    ]);
    expect(await ids("from=2025-03-03T00:00:00%2B02:00")).toEqual(["b:thing.deleted", "b:thing.updated"]);
    expect(await ids(`actorId=${alice}&entityId=b&action=thing.updated`)).toEqual(["b:thing.updated"]);
    expect((await list(`action=thing.updated&actorId=${bob}`)).body.data).toHaveLength(1);
  });

  it("refuses from/to outside years 0001–9999 (or finer than milliseconds) with 400 naming the field", async () => {
    for (const name of ["from", "to"]) {
      for (const value of [
        "0000-01-01T00:00:00Z",
        "0001-01-01T00:00:00+00:01",
        "2025-03-01T00:00:00.0001Z",
      ]) {
        const response = await ctx.app.request(`/v1/audit-log?${name}=${encodeURIComponent(value)}`, {
          headers: admin.headers,
        });
        expect(response.status, `${name}=${value}`).toBe(400);
        const problem = (await response.json()) as { errors: { path: string }[] };
        expect(problem.errors.map((error) => error.path)).toEqual([`query.${name}`]);
      }
    }
    const edges = await list("from=0001-01-01T00:00:00Z&to=9999-12-31T23:59:59.999Z&limit=1");
    expect(edges.status).toBe(200);
  });

  it("pages with a keyset cursor without skipping rows that share a timestamp", async () => {
    const entityType = uniqueType();
    // One multi-row insert: every row gets the same now(), to the microsecond.
    await insertRows(Array.from({ length: 7 }, (_, index) => ({ entityType, entityId: String(index) })));
    await insertRows(Array.from({ length: 3 }, (_, index) => ({ entityType, entityId: `late-${index}` })));
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { status: number; body: Page } = await list(
        `entityType=${entityType}&limit=3&count=true${cursor ? `&cursor=${cursor}` : ""}`,
      );
      expect(page.status).toBe(200);
      expect(page.body.total).toBe(10);
      seen.push(...page.body.data.map((entry) => entry.entityId));
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(4);
    expect(new Set(seen).size).toBe(10);
    expect(seen.slice(0, 3).every((id) => id.startsWith("late-"))).toBe(true);
    expect((await list(`entityType=${entityType}`)).body.total).toBeUndefined();
  });

  // The Worker's statements are not visible from here: ctx.queries counts the Node app's only.
  it.runIf(currentDoor() === "node")("runs a fixed number of queries whatever the page size", async () => {
    const entityType = uniqueType();
    await insertRows(Array.from({ length: 30 }, (_, index) => ({ entityType, entityId: String(index) })));
    const queriesFor = async (limit: number) => {
      const start = ctx.queries.length;
      expect((await list(`entityType=${entityType}&limit=${limit}&count=true`)).status).toBe(200);
      return ctx.queries.slice(start).filter((query) => query.includes("audit_log")).length;
    };
    expect(await queriesFor(2)).toBe(await queriesFor(30));
  });

  it.each([
    ["from after to", "from=2025-02-02T00:00:00Z&to=2025-02-01T00:00:00Z"],
    ["a date without time", "from=2025-02-02"],
    ["an actor that is not a uuid", "actorId=42"],
    ["entityId without entityType", "entityId=42"],
    ["a limit over 100", "limit=101"],
    ["a malformed cursor", "cursor=not-a-cursor"],
    ["a cursor of another list", `cursor=${cursorOf(["x", "y"])}`],
    ["a cursor with an impossible date", `cursor=${cursorOf(["2025-02-31T00:00:00.000000Z", 1])}`],
    ["a cursor with year zero", `cursor=${cursorOf(["0000-01-01T00:00:00.000000Z", 1])}`],
    ["a cursor with a loose date", `cursor=${cursorOf(["1", 1])}`],
    ["a cursor with a fractional id", `cursor=${cursorOf(["2025-01-01T00:00:00.000000Z", 1.5])}`],
  ])("answers 400 for %s", async (_name, query) => {
    const response = await ctx.app.request(`/v1/audit-log?${query}`, { headers: admin.headers });
    expect(response.status).toBe(400);
    expect(response.headers.get("Content-Type")).toMatch(/problem\+json/);
  });

  it("names the field of a bad time range", async () => {
    const response = await ctx.app.request(
      "/v1/audit-log?from=2025-02-02T00:00:00Z&to=2025-02-01T00:00:00Z",
      { headers: admin.headers },
    );
    const problem = (await response.json()) as { errors: { path: string }[] };
    expect(problem.errors.map((error) => error.path)).toContain("query.from");
  });

  it.each(["manager", "developer", "reporter"] as const)("is admin only: a %s gets 403", async (role) => {
    const { session } = await signedIn(ctx, role);
    const response = await ctx.app.request("/v1/audit-log", { headers: session.headers });
    expect(response.status).toBe(403);
  });

  it("is 401 without a token", async () => {
    expect((await ctx.app.request("/v1/audit-log")).status).toBe(401);
  });

  it("has no route that changes the log", async () => {
    const [row] = await insertRows([{ entityType: uniqueType() }]);
    for (const method of ["POST", "PATCH", "PUT", "DELETE"]) {
      const response = await ctx.app.request(`/v1/audit-log/${row?.id}`, { method, headers: admin.headers });
      expect([404, 405]).toContain(response.status);
    }
  });

  it("is in the typed client", async () => {
    const entityType = uniqueType();
    await insertRows([{ entityType, action: "thing.typed" }]);
    const client = hc<AppType>("http://tixgenius.test", {
      fetch: (input: Parameters<typeof fetch>[0], init?: RequestInit) => ctx.app.request(input, init),
      headers: admin.headers,
    });
    const response = await client.v1["audit-log"].$get({ query: { entityType, limit: "5" } });
    if (response.status !== 200) throw new Error(`unexpected ${response.status}`);
    const page = await response.json();
    expect(page.data.map((entry) => entry.action)).toEqual(["thing.typed"]);
  });
});
