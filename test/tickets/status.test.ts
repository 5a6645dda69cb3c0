import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog, tickets } from "../../src/db/schema.ts";
import type { Ticket } from "../../src/features/tickets/schemas.ts";
import { createDoorContext } from "../support/door.ts";
import { patchTicket, reportTicket, ticketWorld } from "../support/factories/tickets.ts";
import type { Session } from "../support/factories.ts";
import type { TestContext } from "../support/test-context.ts";

let ctx: TestContext;
let world: Awaited<ReturnType<typeof ticketWorld>>;
beforeAll(async () => {
  ctx = await createDoorContext({ env: { TRUST_PROXY: "true", REOPEN_WINDOW_DAYS: "7" } });
  world = await ticketWorld(ctx);
});
afterAll(() => ctx.close());

async function teamTicket(state: { assigneeId?: string; status?: Ticket["status"]; closedAt?: Date } = {}) {
  const ticket = await reportTicket(ctx, world.reporter.session, { categoryId: world.categoryA.id });
  await ctx.deps.db
    .update(tickets)
    .set({
      assigneeId: state.assigneeId ?? null,
      status: state.status ?? "open",
      closedAt: state.status === "closed" ? (state.closedAt ?? new Date()) : null,
      resolvedAt: state.status === "resolved" || state.status === "closed" ? new Date() : null,
    })
    .where(eq(tickets.id, ticket.id));
  return ticket;
}

const move = (session: Session, id: string, status: string) => patchTicket(ctx, session, id, { status });

describe("PATCH /v1/tickets/{id}: status workflow", () => {
  it("walks open → in_progress → blocked → in_progress → resolved → closed with the assignee, stamping times", async () => {
    const ticket = await teamTicket({ assigneeId: world.developerA.user.id });
    const dev = world.developerA.session;
    for (const status of ["in_progress", "blocked", "in_progress", "resolved"]) {
      const response = await move(dev, ticket.id, status);
      expect(response.status).toBe(200);
      expect(((await response.json()) as Ticket).status).toBe(status);
    }
    const [resolved] = await ctx.deps.db.select().from(tickets).where(eq(tickets.id, ticket.id));
    expect(resolved?.resolvedAt).toBeInstanceOf(Date);
    const closed = (await (await move(dev, ticket.id, "closed")).json()) as Ticket;
    expect(closed.closedAt).not.toBeNull();
    expect(closed.resolvedAt).not.toBeNull();

    const rows = await ctx.deps.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.entityId, ticket.id), eq(auditLog.action, "ticket.status_changed")))
      .orderBy(auditLog.id);
    const statusOf = (side: unknown) => (side as { status?: string } | null)?.status;
    expect(rows.map((row) => [statusOf(row.before), statusOf(row.after)])).toEqual([
      ["open", "in_progress"],
      ["in_progress", "blocked"],
      ["blocked", "in_progress"],
      ["in_progress", "resolved"],
      ["resolved", "closed"],
    ]);
    expect(rows[3]?.after).toMatchObject({ resolvedAt: expect.any(String) });
  });

  it("clears resolvedAt on reopening a resolved ticket, and both stamps on reopening a closed one", async () => {
    const resolved = await teamTicket({ status: "resolved" });
    const reopened = (await (
      await move(world.managerA.session, resolved.id, "in_progress")
    ).json()) as Ticket;
    expect(reopened.resolvedAt).toBeNull();

    const closed = await teamTicket({ status: "closed" });
    const open = (await (await move(world.managerA.session, closed.id, "open")).json()) as Ticket;
    expect(open).toMatchObject({ status: "open", resolvedAt: null, closedAt: null });
  });

  it.each([
    ["open", "resolved", ["in_progress"]],
    ["open", "closed", ["in_progress"]],
    ["in_progress", "open", ["blocked", "resolved"]],
    ["blocked", "resolved", ["in_progress"]],
    ["resolved", "open", ["closed", "in_progress"]],
    ["closed", "in_progress", ["open"]],
  ] as const)("answers %s → %s with 409 listing the allowed steps", async (from, to, allowed) => {
    const ticket = await teamTicket({ status: from });
    const response = await move(world.admin.session, ticket.id, to);
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ code: "invalid_status_transition", from, to, allowed });
    const [row] = await ctx.deps.db.select().from(tickets).where(eq(tickets.id, ticket.id));
    expect(row?.status).toBe(from);
  });

  it("lets the reporter close a resolved ticket and reopen it within the window, not later", async () => {
    const resolved = await teamTicket({ status: "resolved" });
    expect((await move(world.reporter.session, resolved.id, "closed")).status).toBe(200);
    expect((await move(world.reporter.session, resolved.id, "open")).status).toBe(200);

    const old = await teamTicket({ status: "closed", closedAt: new Date(Date.now() - 8 * 24 * 3600 * 1000) });
    const late = await move(world.reporter.session, old.id, "open");
    expect(late.status).toBe(403);
    expect(((await late.json()) as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual([
      "body.status",
    ]);
    // A manager of the team may reopen it at any time.
    expect((await move(world.managerA.session, old.id, "open")).status).toBe(200);
  });

  it("refuses the reporter any other step with 403 on body.status", async () => {
    const ticket = await teamTicket();
    const response = await move(world.reporter.session, ticket.id, "in_progress");
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ errors: [{ path: "body.status" }] });
  });

  it("lets only the assignee among developers change the status, and not reopen a closed ticket", async () => {
    const ticket = await teamTicket({ assigneeId: world.managerB.user.id });
    const teamDev = await move(world.developerA.session, ticket.id, "in_progress");
    expect(teamDev.status).toBe(403);
    expect(await teamDev.json()).toMatchObject({ errors: [{ path: "body.status" }] });

    const assigned = await teamTicket({ assigneeId: world.developerB.user.id, status: "closed" });
    const reopen = await move(world.developerB.session, assigned.id, "open");
    expect(reopen.status).toBe(403);
    // Assigned from another team: the status is theirs, the fields are not.
    const fields = await patchTicket(ctx, world.developerB.session, assigned.id, {
      title: "x",
      priority: "low",
    });
    expect(fields.status).toBe(403);
    expect(
      ((await fields.json()) as { errors: { path: string }[] }).errors.map((e) => e.path).sort(),
    ).toEqual(["body.priority", "body.title"]);
  });

  it("writes ticket.updated and ticket.status_changed together for a mixed patch", async () => {
    const ticket = await teamTicket();
    const response = await patchTicket(ctx, world.managerA.session, ticket.id, {
      status: "in_progress",
      priority: "high",
    });
    expect(response.status).toBe(200);
    const rows = await ctx.deps.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.entityType, "ticket"), eq(auditLog.entityId, ticket.id)))
      .orderBy(auditLog.id);
    expect(rows.map((row) => row.action)).toEqual([
      "ticket.created",
      "ticket.updated",
      "ticket.status_changed",
    ]);
    expect(rows[1]?.after).toMatchObject({ priority: "high" });
    expect(rows[1]?.after).not.toHaveProperty("status");
    expect(rows[2]).toMatchObject({ before: { status: "open" }, after: { status: "in_progress" } });
    expect(new Set(rows.slice(1).map((row) => row.createdAt.getTime())).size).toBe(1);
  });
});
