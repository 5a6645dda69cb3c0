import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { auditLog, teamMembers } from "../../src/db/schema.ts";
import { recordEvent } from "../../src/features/events/record.ts";
import { fanOutEvents } from "../../src/features/webhooks/fanout.ts";
import { addComment } from "../support/factories/comments.ts";
import { reportTicket, ticketWorld } from "../support/factories/tickets.ts";
import { jsonRequest } from "../support/factories.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";
import { createEndpoint, deliveriesOf, deliveryJobsOf, recordTicketUpdates } from "./support.ts";

let ctx: TestContext;
let world: Awaited<ReturnType<typeof ticketWorld>>;
beforeAll(async () => {
  // No job loop runs here: these tests look at which deliveries the fan-out makes.
  ctx = await createTestContext({ env: { TRUST_PROXY: "true" } });
  world = await ticketWorld(ctx);
});
afterAll(() => ctx.close());

const url = (label: string) => `https://hooks.example.com/${label}`;
/** Runs the fan-out to the end (after-commit passes may hold the watermark for a moment). */
async function fannedOut() {
  for (let pass = 0; pass < 50; pass++) {
    await fanOutEvents(ctx.deps);
    const [row] = (await ctx.deps.db.execute(
      "select (select last_event_id from webhook_fanout) >= coalesce((select max(id) from events), 0) as done" as never,
    )) as unknown as { done: boolean }[];
    if (row?.done) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("the fan-out did not catch up");
}
/** Until nothing else talks to the database: the after-commit fan-out passes have ended. */
async function untilQuiet() {
  await expect
    .poll(async () => {
      const seen = ctx.queries.length;
      await new Promise((resolve) => setTimeout(resolve, 100));
      return ctx.queries.length === seen;
    })
    .toBe(true);
}
const typesOf = async (endpointId: string) =>
  (await deliveriesOf(ctx, endpointId)).map((row) => row.eventType).sort();

describe("which events become deliveries", () => {
  // Each test's endpoints must see only its own events: earlier ones are fanned out first.
  beforeEach(() => fannedOut());

  it("makes none for a rolled-back change, and the watermark still passes the gap", async () => {
    const endpoint = await createEndpoint(ctx, world.admin.session, { url: url("rollback") });
    const ticket = await reportTicket(ctx, world.admin.session);
    await expect(
      ctx.deps.db.transaction(async (tx) => {
        await recordEvent(tx, {
          type: "ticket.updated",
          ticket: { id: ticket.id, teamId: null, reporterId: world.admin.user.id, assigneeId: null },
          payload: { id: ticket.id, title: "never committed" },
        });
        throw new Error("rolled back");
      }),
    ).rejects.toThrow("rolled back");
    await reportTicket(ctx, world.admin.session);
    await fannedOut();
    const rows = await deliveriesOf(ctx, endpoint.id);
    expect(rows.map((row) => row.eventType)).toEqual(["ticket.created", "ticket.created"]);
    expect(JSON.stringify(rows.map((row) => row.payload))).not.toContain("never committed");
  });

  it("makes a batch's deliveries and their jobs in one statement, each job naming its delivery and endpoint", async () => {
    const endpoints = [
      await createEndpoint(ctx, world.admin.session, { url: url("batch-a") }),
      await createEndpoint(ctx, world.admin.session, { url: url("batch-b") }),
    ];
    const ticket = await reportTicket(ctx, world.admin.session);
    await fannedOut();
    await untilQuiet();
    for (const title of ["first", "second"])
      await ctx.deps.db.transaction((tx) =>
        recordEvent(tx, {
          type: "ticket.updated",
          ticket: { id: ticket.id, teamId: null, reporterId: world.admin.user.id, assigneeId: null },
          payload: { id: ticket.id, title },
        }),
      );
    const before = ctx.queries.length;
    // Earlier tests' endpoints get these events too: the count is at least this test's four.
    expect(await fanOutEvents(ctx.deps)).toBeGreaterThanOrEqual(4);
    // One short batch, and so the last: no transaction around it, no delivery ids sent back for jobs.
    expect(ctx.queries.slice(before)).toHaveLength(1);

    for (const endpoint of endpoints) {
      const updates = (await deliveriesOf(ctx, endpoint.id)).filter(
        (row) => row.eventType === "ticket.updated",
      );
      expect(updates).toHaveLength(2);
      for (const delivery of updates) {
        const jobs = await deliveryJobsOf(ctx, delivery.id);
        expect(jobs).toEqual([
          expect.objectContaining({
            state: "pending",
            group: `webhook:${endpoint.id}`,
            payload: { deliveryId: delivery.id },
          }),
        ]);
      }
    }
  });

  it("keeps taking batches while they are full (200 events each)", async () => {
    const endpoint = await createEndpoint(ctx, world.admin.session, { url: url("full-batches") });
    const ticket = await reportTicket(ctx, world.admin.session);
    await fannedOut();
    await recordTicketUpdates(ctx, ticket.id, world.admin.user.id, 201);
    await untilQuiet();
    const before = ctx.queries.length;
    await fanOutEvents(ctx.deps);
    expect(ctx.queries.slice(before)).toHaveLength(2);
    const updates = (await deliveriesOf(ctx, endpoint.id)).filter(
      (row) => row.eventType === "ticket.updated",
    );
    expect(updates).toHaveLength(201);
  });

  it("fans out each event once, however many passes run", async () => {
    const endpoint = await createEndpoint(ctx, world.admin.session, { url: url("once") });
    await reportTicket(ctx, world.admin.session);
    await Promise.all([fanOutEvents(ctx.deps), fanOutEvents(ctx.deps), fannedOut()]);
    await fannedOut();
    expect(await deliveriesOf(ctx, endpoint.id)).toHaveLength(1);
  });

  it("sends internal comments only to endpoints an admin allowed them on", async () => {
    const plain = await createEndpoint(ctx, world.admin.session, {
      url: url("plain"),
      eventTypes: ["comment.created"],
    });
    const internal = await createEndpoint(ctx, world.admin.session, {
      url: url("internal"),
      eventTypes: ["comment.created"],
      includeInternalComments: true,
    });
    const ticket = await reportTicket(ctx, world.admin.session);
    await addComment(ctx, world.admin.session, ticket.id, { body: "public", visibility: "public" });
    await addComment(ctx, world.admin.session, ticket.id, { body: "staff only", visibility: "internal" });
    await fannedOut();
    const bodies = async (id: string) =>
      (await deliveriesOf(ctx, id))
        .map((row) => (row.payload as { payload: { body: string } }).payload.body)
        .sort();
    expect(await bodies(plain.id)).toEqual(["public"]);
    expect(await bodies(internal.id)).toEqual(["public", "staff only"]);
  });

  it("gives a manager's endpoint its team's events only, and nothing once the manager stops leading it", async () => {
    const endpoint = await createEndpoint(ctx, world.managerA.session, {
      url: url("team-a"),
      teamId: world.teamA.id,
      eventTypes: ["ticket.created"],
    });
    await reportTicket(ctx, world.admin.session, { teamId: world.teamA.id, title: "A's" });
    await reportTicket(ctx, world.admin.session, { teamId: world.teamB.id, title: "B's" });
    await reportTicket(ctx, world.admin.session, { title: "nobody's" });
    await fannedOut();
    const titles = async () =>
      (await deliveriesOf(ctx, endpoint.id)).map(
        (row) => (row.payload as { payload: { title: string } }).payload.title,
      );
    expect(await titles()).toEqual(["A's"]);

    await ctx.deps.db
      .update(teamMembers)
      .set({ role: "member" })
      .where(eq(teamMembers.userId, world.managerA.user.id));
    await reportTicket(ctx, world.admin.session, { teamId: world.teamA.id, title: "A's, later" });
    await fannedOut();
    expect(await titles()).toEqual(["A's"]);
    await ctx.deps.db
      .update(teamMembers)
      .set({ role: "lead" })
      .where(eq(teamMembers.userId, world.managerA.user.id));
  });

  it("sends only the chosen event types, and nothing to a disabled endpoint", async () => {
    const chosen = await createEndpoint(ctx, world.admin.session, {
      url: url("types"),
      eventTypes: ["ticket.updated"],
    });
    const disabled = await createEndpoint(ctx, world.admin.session, { url: url("off"), enabled: false });
    const ticket = await reportTicket(ctx, world.admin.session);
    await ctx.app.request(
      `/v1/tickets/${ticket.id}`,
      jsonRequest("PATCH", { title: "Renamed" }, world.admin.session.headers),
    );
    await fannedOut();
    expect(await typesOf(chosen.id)).toEqual(["ticket.updated"]);
    expect(await typesOf(disabled.id)).toEqual([]);
  });
});

describe("endpoint management", () => {
  it("shows the secret once, never in reads, never in the audit log", async () => {
    const created = await createEndpoint(ctx, world.admin.session, { url: url("secret"), description: "CI" });
    expect(created.secret).toMatch(/^whsec_/);
    const read = await ctx.app.request(`/v1/webhooks/${created.id}`, {
      headers: world.admin.session.headers,
    });
    const text = await read.text();
    expect(text).not.toContain(created.secret);
    expect(JSON.parse(text)).toMatchObject({
      description: "CI",
      enabled: true,
      includeInternalComments: false,
    });
    const audit = await ctx.deps.db.select().from(auditLog).where(eq(auditLog.entityId, created.id));
    expect(audit.map((row) => row.action)).toEqual(["webhook.created"]);
    expect(JSON.stringify(audit)).not.toContain(created.secret);
  });

  it("holds managers to the teams they lead and keeps internal comments for admins", async () => {
    const manager = world.managerA.session;
    const refuse = async (body: Record<string, unknown>, status: number, code: string) => {
      const response = await ctx.app.request(
        "/v1/webhooks",
        jsonRequest("POST", { url: url("m"), ...body }, manager.headers),
      );
      expect(response.status).toBe(status);
      expect(((await response.json()) as { code: string }).code).toBe(code);
    };
    await refuse({}, 403, "not_team_lead");
    await refuse({ teamId: world.teamB.id }, 403, "not_team_lead");
    await refuse({ teamId: world.teamA.id, includeInternalComments: true }, 403, "admin_only");
    const own = await createEndpoint(ctx, manager, { url: url("own"), teamId: world.teamA.id });
    const theirs = await createEndpoint(ctx, world.managerB.session, {
      url: url("theirs"),
      teamId: world.teamB.id,
    });
    const everyone = await createEndpoint(ctx, world.admin.session, { url: url("all") });

    const listed = (await (
      await ctx.app.request("/v1/webhooks?limit=100", { headers: manager.headers })
    ).json()) as {
      data: { id: string; teamId: string }[];
    };
    expect(listed.data.map((row) => row.id)).toContain(own.id);
    expect(listed.data.every((row) => row.teamId === world.teamA.id)).toBe(true);
    for (const other of [theirs.id, everyone.id]) {
      const response = await ctx.app.request(`/v1/webhooks/${other}`, { headers: manager.headers });
      expect(response.status).toBe(404);
    }
    const widen = await ctx.app.request(
      `/v1/webhooks/${own.id}`,
      jsonRequest("PATCH", { teamId: null }, manager.headers),
    );
    expect(widen.status).toBe(403);
    const moved = await ctx.app.request(
      `/v1/webhooks/${own.id}`,
      jsonRequest("PATCH", { teamId: world.teamB.id }, manager.headers),
    );
    expect(moved.status).toBe(403);
  });

  it("pages the list newest first with a cursor", async () => {
    for (let index = 0; index < 3; index++)
      await createEndpoint(ctx, world.admin.session, { url: url(`page-${index}`) });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
      const page = (await (
        await ctx.app.request(`/v1/webhooks?limit=2&count=true${query}`, {
          headers: world.admin.session.headers,
        })
      ).json()) as { data: { id: string; createdAt: string }[]; nextCursor: string | null; total: number };
      seen.push(...page.data.map((row) => row.id));
      cursor = page.nextCursor;
      expect(page.total).toBeGreaterThanOrEqual(3);
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    const [total] = (await ctx.deps.db.execute(
      "select count(*)::int as n from webhook_endpoints" as never,
    )) as unknown as {
      n: number;
    }[];
    expect(seen).toHaveLength(total?.n ?? -1);
  });

  it("deletes an endpoint with its deliveries, with an audit row", async () => {
    const endpoint = await createEndpoint(ctx, world.admin.session, { url: url("gone") });
    await reportTicket(ctx, world.admin.session);
    await fannedOut();
    expect((await deliveriesOf(ctx, endpoint.id)).length).toBeGreaterThan(0);
    const response = await ctx.app.request(`/v1/webhooks/${endpoint.id}`, {
      method: "DELETE",
      headers: world.admin.session.headers,
    });
    expect(response.status).toBe(204);
    expect(await deliveriesOf(ctx, endpoint.id)).toHaveLength(0);
    const actions = (await ctx.deps.db.select().from(auditLog).where(eq(auditLog.entityId, endpoint.id))).map(
      (row) => row.action,
    );
    expect(actions).toContain("webhook.deleted");
  });
});
