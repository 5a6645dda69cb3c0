import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog, tickets } from "../../src/db/schema.ts";
import type { Ticket } from "../../src/features/tickets/schemas.ts";
import { createDoorContext } from "../support/door.ts";
import { getTicket, reportTicket, stableProblem, ticketWorld } from "../support/factories/tickets.ts";
import { jsonRequest } from "../support/factories.ts";
import { MISSING_ID } from "../support/routes/constants.ts";
import type { TestContext } from "../support/test-context.ts";

let ctx: TestContext;
let world: Awaited<ReturnType<typeof ticketWorld>>;
beforeAll(async () => {
  ctx = await createDoorContext({ env: { TRUST_PROXY: "true" } });
  world = await ticketWorld(ctx);
});
afterAll(() => ctx.close());

const post = (headers: Record<string, string>, body: unknown, extra: Record<string, string> = {}) =>
  ctx.app.request("/v1/tickets", jsonRequest("POST", body, { ...headers, ...extra }));
const minutes = (from: string, to: string | null) => (Date.parse(to ?? "") - Date.parse(from)) / 60_000;

describe("POST /v1/tickets", () => {
  it("creates a ticket with defaults, a sequential key, SLA dates, Location and ETag", async () => {
    const response = await post(world.reporter.session.headers, { title: "  Printer on fire  " });
    expect(response.status).toBe(201);
    const ticket = (await response.json()) as Ticket;
    expect(response.headers.get("Location")).toBe(`/v1/tickets/${ticket.id}`);
    expect(response.headers.get("ETag")).toBe('"1"');
    expect(ticket).toMatchObject({
      title: "Printer on fire",
      description: "",
      status: "open",
      priority: "medium",
      teamId: null,
      categoryId: null,
      reporterId: world.reporter.user.id,
      assigneeId: null,
      tags: [],
      version: 1,
      deletedAt: null,
    });
    expect(ticket.key).toMatch(/^TIX-\d+$/);
    const sla = ctx.config.SLA_POLICY.medium;
    expect(minutes(ticket.createdAt, ticket.firstResponseDueAt)).toBe(sla.firstResponseMinutes);
    expect(minutes(ticket.createdAt, ticket.resolutionDueAt)).toBe(sla.resolutionMinutes);

    const next = await reportTicket(ctx, world.reporter.session);
    expect(Number(next.key.slice(4))).toBeGreaterThan(Number(ticket.key.slice(4)));
  });

  it("writes ticket.created in the audit log", async () => {
    const ticket = await reportTicket(ctx, world.reporter.session, { priority: "urgent" });
    const rows = await ctx.deps.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.entityType, "ticket"), eq(auditLog.entityId, ticket.id)));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      action: "ticket.created",
      actorId: world.reporter.user.id,
      actorRole: "reporter",
      before: null,
      after: expect.objectContaining({ key: ticket.key, priority: "urgent", title: ticket.title }),
    });
  });

  it("normalizes tags and routes to the category's default team; staff may name the team", async () => {
    const routed = await reportTicket(ctx, world.reporter.session, {
      categoryId: world.categoryA.id,
      tags: [" Printer ", "printer", "FLOOR-3", "a.b_c"],
      priority: "high",
      dueAt: "2031-01-02T03:04:05+02:00",
    });
    expect(routed.tags).toEqual(["printer", "floor-3", "a.b_c"]);
    expect(routed.teamId).toBe(world.teamA.id);
    expect(routed.dueAt).toBe("2031-01-02T01:04:05.000Z");
    expect(minutes(routed.createdAt, routed.resolutionDueAt)).toBe(
      ctx.config.SLA_POLICY.high.resolutionMinutes,
    );

    const explicit = await reportTicket(ctx, world.developerA.session, {
      categoryId: world.categoryA.id,
      teamId: world.teamB.id,
    });
    expect(explicit.teamId).toBe(world.teamB.id);
    const none = await reportTicket(ctx, world.managerA.session, {
      categoryId: world.categoryA.id,
      teamId: null,
    });
    expect(none.teamId).toBeNull();
  });

  it("refuses a reporter choosing the team with 403 naming teamId", async () => {
    const response = await post(world.reporter.session.headers, { title: "Mine", teamId: world.teamA.id });
    expect(response.status).toBe(403);
    const body = (await response.json()) as { errors: { path: string }[] };
    expect(body.errors.map((error) => error.path)).toEqual(["body.teamId"]);
  });

  it.each([
    ["an empty title", { title: "   " }, "body.title"],
    ["a long title", { title: "x".repeat(201) }, "body.title"],
    ["a long description", { title: "t", description: "x".repeat(20_001) }, "body.description"],
    ["too many tags", { title: "t", tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }, "body.tags"],
    ["a bad tag", { title: "t", tags: ["no spaces"] }, "body.tags.0"],
    ["a long tag", { title: "t", tags: ["x".repeat(41)] }, "body.tags.0"],
    ["an unknown priority", { title: "t", priority: "asap" }, "body.priority"],
    ["a bad due date", { title: "t", dueAt: "tomorrow" }, "body.dueAt"],
    ["an unknown field", { title: "t", status: "closed" }, "body"],
    ["a missing category", { title: "t", categoryId: MISSING_ID }, "body.categoryId"],
    ["a missing team", { title: "t", teamId: MISSING_ID }, "body.teamId"],
  ])("answers 400 for %s", async (_name, body, path) => {
    const response = await post(world.admin.session.headers, body);
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { errors: { path: string }[] };
    expect(problem.errors.map((error) => error.path)).toContain(path);
  });

  it("answers 415 for a body that is not JSON", async () => {
    const response = await ctx.app.request("/v1/tickets", {
      method: "POST",
      headers: { ...world.reporter.session.headers, "Content-Type": "text/plain" },
      body: "title=x",
    });
    expect(response.status).toBe(415);
  });

  it("replays a retried POST with the same Idempotency-Key instead of creating twice", async () => {
    const key = { "Idempotency-Key": `create-${Math.random()}` };
    const body = { title: "Only once please" };
    const first = await post(world.reporter.session.headers, body, key);
    const second = await post(world.reporter.session.headers, body, key);
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(await second.json()).toEqual(await first.json());
    const rows = await ctx.deps.db
      .select({ id: tickets.id })
      .from(tickets)
      .where(and(eq(tickets.title, "Only once please"), eq(tickets.reporterId, world.reporter.user.id)));
    expect(rows).toHaveLength(1);
    expect((await post(world.reporter.session.headers, { title: "Other" }, key)).status).toBe(422);
  });
});

describe("GET /v1/tickets/{id}", () => {
  it("shows the ticket to its reporter, its team and admins with an ETag; 304 on If-None-Match", async () => {
    const ticket = await reportTicket(ctx, world.reporter.session, { categoryId: world.categoryA.id });
    for (const person of [world.reporter, world.developerA, world.managerA, world.admin]) {
      const response = await getTicket(ctx, person.session, ticket.id);
      expect(response.status).toBe(200);
      expect(response.headers.get("ETag")).toBe('"1"');
      expect(await response.json()).toEqual(ticket);
    }
    const cached = await ctx.app.request(`/v1/tickets/${ticket.id}`, {
      headers: { ...world.reporter.session.headers, "If-None-Match": '"1"' },
    });
    expect(cached.status).toBe(304);
  });

  it("answers another team's or reporter's ticket exactly like a missing one", async () => {
    const ticket = await reportTicket(ctx, world.reporter.session, { categoryId: world.categoryA.id });
    const missing = await getTicket(ctx, world.developerB.session, MISSING_ID);
    expect(missing.status).toBe(404);
    const missingBody = stableProblem((await missing.json()) as Record<string, unknown>);
    for (const outsider of [world.developerB, world.managerB, world.otherReporter]) {
      const response = await getTicket(ctx, outsider.session, ticket.id);
      expect(response.status).toBe(404);
      expect(stableProblem((await response.json()) as Record<string, unknown>)).toEqual(missingBody);
    }
  });

  it("sees a ticket assigned to you in another team", async () => {
    const ticket = await reportTicket(ctx, world.reporter.session, { categoryId: world.categoryA.id });
    await ctx.deps.db
      .update(tickets)
      .set({ assigneeId: world.developerB.user.id })
      .where(eq(tickets.id, ticket.id));
    expect((await getTicket(ctx, world.developerB.session, ticket.id)).status).toBe(200);
  });

  it("answers 400 for a malformed id", async () => {
    const response = await getTicket(ctx, world.admin.session, "not-a-uuid");
    expect(response.status).toBe(400);
    expect(((await response.json()) as { errors: { path: string }[] }).errors[0]?.path).toBe("param.id");
  });
});
