import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { events, tickets } from "../../src/db/schema.ts";
import type { Deps } from "../../src/deps.ts";
import { updateTicket } from "../../src/features/tickets/update.ts";
import type { Actor } from "../../src/lib/actor.ts";
import { assign, createDeveloper, unassign } from "../support/factories/assignments.ts";
import { changedAt, eventRowsOf } from "../support/factories/events.ts";
import { patchTicket, reportTicket, ticketWorld } from "../support/factories/tickets.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";

let ctx: TestContext;
let world: Awaited<ReturnType<typeof ticketWorld>>;
beforeAll(async () => {
  // No publishing here: these tests look at the outbox rows only.
  ctx = await createTestContext({ env: { TRUST_PROXY: "true" } });
  world = await ticketWorld(ctx);
});
afterAll(() => ctx.close());

const typesOf = async (ticketId: string) => (await eventRowsOf(ctx, ticketId)).map((e) => e.row.type);
const lastEvent = async (ticketId: string) => {
  const rows = await eventRowsOf(ctx, ticketId);
  const last = rows.at(-1);
  if (!last) throw new Error("no event");
  return last;
};

describe("ticket events", () => {
  it("records ticket.created with the returned ticket, the snapshot, in the ticket's transaction", async () => {
    const ticket = await reportTicket(ctx, world.reporter.session, { categoryId: world.categoryA.id });

    const rows = await eventRowsOf(ctx, ticket.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.row).toMatchObject({
      type: "ticket.created",
      ticketId: ticket.id,
      teamId: world.teamA.id,
      reporterId: world.reporter.user.id,
      assigneeId: null,
      visibility: "public",
      payload: ticket,
    });
    expect(rows[0]?.at).toBe(await changedAt(ctx, "tickets", ticket.id));
  });

  it("records ticket.updated, ticket.status_changed or both from one PATCH, and nothing for a no-op", async () => {
    const ticket = await reportTicket(ctx, world.reporter.session, { categoryId: world.categoryA.id });
    const patch = async (body: unknown) => {
      const response = await patchTicket(ctx, world.managerA.session, ticket.id, body);
      expect(response.status).toBe(200);
      return response.json();
    };

    const retitled = await patch({ title: "Renamed" });
    expect(await typesOf(ticket.id)).toEqual(["ticket.created", "ticket.updated"]);
    expect((await lastEvent(ticket.id)).row.payload).toEqual(retitled);

    const started = await patch({ status: "in_progress" });
    expect(await typesOf(ticket.id)).toEqual(["ticket.created", "ticket.updated", "ticket.status_changed"]);
    expect((await lastEvent(ticket.id)).row.payload).toEqual(started);

    const both = await patch({ status: "resolved", priority: "high", tags: ["events"] });
    const rows = await eventRowsOf(ctx, ticket.id);
    expect(rows.slice(3).map((e) => e.row.type)).toEqual(["ticket.updated", "ticket.status_changed"]);
    for (const event of rows.slice(3)) {
      expect(event.row.payload).toEqual(both);
      expect(event.at).toBe(await changedAt(ctx, "tickets", ticket.id));
    }

    await patch({ title: "Renamed", tags: ["events"] });
    expect(await eventRowsOf(ctx, ticket.id)).toHaveLength(5);
  });

  it("records ticket.deleted as a tombstone (id, key, version, deletedAt) and ticket.restored with the ticket", async () => {
    const ticket = await reportTicket(ctx, world.reporter.session, { categoryId: world.categoryA.id });
    const headers = world.managerA.session.headers;

    expect((await ctx.app.request(`/v1/tickets/${ticket.id}`, { method: "DELETE", headers })).status).toBe(
      204,
    );
    const deleted = await lastEvent(ticket.id);
    expect(deleted.row.type).toBe("ticket.deleted");
    expect(deleted.row.payload).toEqual({
      id: ticket.id,
      key: ticket.key,
      version: 2,
      deletedAt: expect.any(String),
    });

    const response = await ctx.app.request(`/v1/tickets/${ticket.id}/restore`, { method: "POST", headers });
    expect(response.status).toBe(200);
    const restored = await lastEvent(ticket.id);
    expect(restored.row.type).toBe("ticket.restored");
    expect(restored.row.payload).toEqual(await response.json());
    expect(restored.at).toBe(await changedAt(ctx, "tickets", ticket.id));
  });

  it("records ticket.assigned and ticket.unassigned with the assignee snapshot after the change", async () => {
    const ticket = await reportTicket(ctx, world.reporter.session, { categoryId: world.categoryA.id });
    const developer = await createDeveloper(ctx, { teamId: world.teamA.id });

    const assigned = await assign(ctx, world.managerA.session, ticket.id, { assigneeId: developer.user.id });
    expect(assigned.status).toBe(200);
    const assignedEvent = await lastEvent(ticket.id);
    expect(assignedEvent.row).toMatchObject({
      type: "ticket.assigned",
      teamId: world.teamA.id,
      assigneeId: developer.user.id,
      payload: ((await assigned.json()) as { ticket: unknown }).ticket,
    });

    // Assigning the same developer again changes nothing and records nothing.
    await assign(ctx, world.managerA.session, ticket.id, { assigneeId: developer.user.id });
    expect(await eventRowsOf(ctx, ticket.id)).toHaveLength(2);

    const unassigned = await unassign(ctx, world.managerA.session, ticket.id);
    expect(unassigned.status).toBe(200);
    const unassignedEvent = await lastEvent(ticket.id);
    expect(unassignedEvent.row).toMatchObject({ type: "ticket.unassigned", assigneeId: null });
    expect(unassignedEvent.row.payload).toEqual(((await unassigned.json()) as { ticket: unknown }).ticket);
    expect(unassignedEvent.at).toBe(await changedAt(ctx, "tickets", ticket.id));
  });

  it("records nothing for a refused or failed mutation", async () => {
    const ticket = await reportTicket(ctx, world.reporter.session, { categoryId: world.categoryA.id });
    const refused = [
      await patchTicket(ctx, world.managerA.session, ticket.id, { title: "x" }, { "If-Match": '"9"' }),
      await patchTicket(ctx, world.managerB.session, ticket.id, { title: "x" }),
      await patchTicket(ctx, world.reporter.session, ticket.id, { priority: "urgent" }),
      await patchTicket(ctx, world.managerA.session, ticket.id, { status: "closed" }),
    ];
    expect(refused.map((response) => response.status)).toEqual([412, 404, 403, 409]);
    expect(await typesOf(ticket.id)).toEqual(["ticket.created"]);
  });

  it("loses the event with the change when the transaction rolls back after the service's last write", async () => {
    const ticket = await reportTicket(ctx, world.reporter.session, { categoryId: world.categoryA.id });
    const db = ctx.deps.db;
    // The service runs to completion; the transaction then fails, as a failed COMMIT would.
    const failingAtCommit = new Proxy(db, {
      get(target, property, receiver) {
        if (property !== "transaction") return Reflect.get(target, property, receiver);
        return (work: Parameters<typeof db.transaction>[0]) =>
          target.transaction(async (tx) => {
            await work(tx);
            const pending = await tx
              .select({ type: events.type })
              .from(events)
              .where(eq(events.ticketId, ticket.id));
            // The update's own event was written inside this transaction (ticket.created always is).
            expect(pending.map((event) => event.type)).toContain("ticket.updated");
            throw new Error("commit failed");
          });
      },
    });
    const deps: Deps = { ...ctx.deps, db: failingAtCommit };
    const actor: Actor = {
      userId: world.managerA.user.id,
      role: "manager",
      sessionId: "s",
      requestId: "r",
      ip: "127.0.0.1",
      userAgent: "vitest",
    };

    await expect(updateTicket(deps, actor, ticket.id, { title: "Never" })).rejects.toThrow("commit failed");
    expect(await typesOf(ticket.id)).toEqual(["ticket.created"]);
    const [row] = await db.select().from(tickets).where(eq(tickets.id, ticket.id));
    expect(row?.title).toBe(ticket.title);
  });
});
