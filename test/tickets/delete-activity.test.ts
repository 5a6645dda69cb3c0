import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog, ticketComments } from "../../src/db/schema.ts";
import type { TicketActivityEntry } from "../../src/features/tickets/list-schemas.ts";
import type { Ticket } from "../../src/features/tickets/schemas.ts";
import {
  getTicket,
  patchTicket,
  reportTicket,
  stableProblem,
  ticketWorld,
} from "../support/factories/tickets.ts";
import type { Session } from "../support/factories.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";

let ctx: TestContext;
let world: Awaited<ReturnType<typeof ticketWorld>>;
beforeAll(async () => {
  ctx = await createTestContext({ env: { TRUST_PROXY: "true" } });
  world = await ticketWorld(ctx);
});
afterAll(() => ctx.close());

const teamTicket = () => reportTicket(ctx, world.reporter.session, { categoryId: world.categoryA.id });
const remove = (session: Session, id: string, headers: Record<string, string> = {}) =>
  ctx.app.request(`/v1/tickets/${id}`, { method: "DELETE", headers: { ...session.headers, ...headers } });
const restore = (session: Session, id: string, headers: Record<string, string> = {}) =>
  ctx.app.request(`/v1/tickets/${id}/restore`, {
    method: "POST",
    headers: { ...session.headers, ...headers },
  });
const actionsOf = async (id: string) =>
  (
    await ctx.deps.db
      .select({ action: auditLog.action })
      .from(auditLog)
      .where(and(eq(auditLog.entityType, "ticket"), eq(auditLog.entityId, id)))
      .orderBy(auditLog.id)
  ).map((row) => row.action);

describe("DELETE /v1/tickets/{id} and POST /v1/tickets/{id}/restore", () => {
  it("soft-deletes (manager of the team) and restores, auditing both", async () => {
    const ticket = await teamTicket();
    const deleted = await remove(world.managerA.session, ticket.id, { "If-Match": '"1"' });
    expect(deleted.status).toBe(204);

    for (const person of [world.reporter, world.developerA]) {
      expect((await getTicket(ctx, person.session, ticket.id)).status).toBe(404);
    }
    const seen = (await (await getTicket(ctx, world.managerA.session, ticket.id)).json()) as Ticket;
    expect(seen.deletedAt).not.toBeNull();
    expect((await patchTicket(ctx, world.admin.session, ticket.id, { title: "x" })).status).toBe(404);
    expect((await remove(world.admin.session, ticket.id)).status).toBe(404);

    const restored = await restore(world.managerA.session, ticket.id, { "If-Match": '"2"' });
    expect(restored.status).toBe(200);
    expect(await restored.json()).toMatchObject({ id: ticket.id, deletedAt: null, version: 3 });
    expect((await getTicket(ctx, world.reporter.session, ticket.id)).status).toBe(200);
    expect(await actionsOf(ticket.id)).toEqual(["ticket.created", "ticket.deleted", "ticket.restored"]);
  });

  it("refuses managers of other teams (404: they cannot see it) and non-team managers who can (403)", async () => {
    const ticket = await teamTicket();
    const other = await remove(world.managerB.session, ticket.id);
    expect(other.status).toBe(404);
    // Team B's manager reported this one: they see it but do not manage team A.
    const theirs = await reportTicket(ctx, world.managerB.session, { teamId: world.teamA.id });
    const refused = await remove(world.managerB.session, theirs.id);
    expect(refused.status).toBe(403);
    expect((await remove(world.developerA.session, ticket.id)).status).toBe(403);
    expect((await remove(world.reporter.session, ticket.id)).status).toBe(403);
    expect(await actionsOf(ticket.id)).toEqual(["ticket.created"]);
  });

  it("answers a stale If-Match with 412, and restoring a live ticket with 409", async () => {
    const ticket = await teamTicket();
    const stale = await remove(world.admin.session, ticket.id, { "If-Match": '"7"' });
    expect(stale.status).toBe(412);
    expect(await stale.json()).toMatchObject({ currentVersion: 1 });
    expect((await restore(world.admin.session, ticket.id)).status).toBe(409);
    expect((await remove(world.admin.session, ticket.id)).status).toBe(204);
    expect((await restore(world.admin.session, ticket.id, { "If-Match": '"1"' })).status).toBe(412);
  });
});

describe("GET /v1/tickets/{id}/activity", () => {
  /** Stands in for the comments feature: a comment and its audit row, by that feature's convention. */
  async function comment(
    ticketId: string,
    author: Session & { userId: string },
    visibility: "public" | "internal",
  ) {
    const [row] = await ctx.deps.db
      .insert(ticketComments)
      .values({ ticketId, authorId: author.userId, body: `${visibility} words`, visibility })
      .returning();
    if (!row) throw new Error("insert returned nothing");
    await ctx.deps.db.insert(auditLog).values({
      actorId: author.userId,
      actorRole: "developer",
      action: "comment.created",
      entityType: "comment",
      entityId: row.id,
      after: { ticketId, visibility, body: row.body },
    });
    return row;
  }
  const activity = async (session: Session, id: string, query = "") => {
    const response = await ctx.app.request(`/v1/tickets/${id}/activity${query}`, {
      headers: session.headers,
    });
    return {
      response,
      page:
        response.status === 200
          ? ((await response.json()) as {
              data: TicketActivityEntry[];
              nextCursor: string | null;
              total?: number;
            })
          : null,
    };
  };

  it("lists the ticket's and its comments' rows newest first; reporters never get internal ones", async () => {
    const ticket = await teamTicket();
    const dev = { ...world.developerA.session, userId: world.developerA.user.id };
    await patchTicket(ctx, world.developerA.session, ticket.id, { priority: "high" });
    const visible = await comment(ticket.id, dev, "public");
    const hidden = await comment(ticket.id, dev, "internal");
    const elsewhere = await teamTicket();
    await comment(elsewhere.id, dev, "public");

    const staff = (await activity(world.developerA.session, ticket.id)).page;
    expect(staff?.data.map((row) => row.action)).toEqual([
      "comment.created",
      "comment.created",
      "ticket.updated",
      "ticket.created",
    ]);
    expect(staff?.data.map((row) => row.entityId)).toContain(hidden.id);
    expect(JSON.stringify(staff)).not.toMatch(/"ip"|userAgent|requestId/);

    const reporter = (await activity(world.reporter.session, ticket.id)).page;
    expect(reporter?.data.map((row) => row.entityId)).toEqual([visible.id, ticket.id, ticket.id]);
    expect(JSON.stringify(reporter)).not.toContain("internal");
  });

  it("pages with a cursor without repeats and counts on request", async () => {
    const ticket = await teamTicket();
    for (const title of ["a", "b", "c", "d"])
      await patchTicket(ctx, world.admin.session, ticket.id, { title });
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const { page }: { page: { data: TicketActivityEntry[]; nextCursor: string | null } | null } =
        await activity(world.reporter.session, ticket.id, `?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      seen.push(...(page?.data.map((row) => row.id) ?? []));
      cursor = page?.nextCursor ?? null;
    } while (cursor);
    expect(seen).toHaveLength(5);
    expect([...seen].sort((a, b) => b - a)).toEqual(seen);
    expect((await activity(world.reporter.session, ticket.id, "?count=true")).page?.total).toBe(5);
    expect((await activity(world.reporter.session, ticket.id, "?cursor=bad")).response.status).toBe(400);
  });

  it("is 404 for a ticket the caller cannot see, exactly like a missing one", async () => {
    const ticket = await teamTicket();
    const hidden = await activity(world.developerB.session, ticket.id);
    const missing = await activity(world.developerB.session, crypto.randomUUID());
    expect(hidden.response.status).toBe(404);
    expect(stableProblem((await hidden.response.json()) as Record<string, unknown>)).toEqual(
      stableProblem((await missing.response.json()) as Record<string, unknown>),
    );
  });
});
