import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addComment, deleteComment } from "../support/factories/comments.ts";
import { addMember } from "../support/factories/teams.ts";
import { reportTicket, ticketWorld } from "../support/factories/tickets.ts";
import { type Session, signedIn } from "../support/factories.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";
import { openStream, STREAM_ENV } from "./stream-support.ts";

let ctx: TestContext;
let world: Awaited<ReturnType<typeof ticketWorld>>;
beforeAll(async () => {
  ctx = await createTestContext({ env: STREAM_ENV });
  world = await ticketWorld(ctx);
});
afterAll(() => ctx.close());

interface Event {
  id: number;
  type: string;
  ticketId: string;
  payload: Record<string, unknown>;
}

async function historyOf(session: Session, query: string): Promise<{ data: Event[]; total: number }> {
  const response = await ctx.app.request(`/v1/events/history${query}&count=true&limit=100`, {
    headers: session.headers,
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { data: Event[]; total: number };
}

const send = (session: Session, path: string, method: string) =>
  ctx.app.request(path, { method, headers: session.headers });

describe("a deleted ticket leaves the event history, replay and live stream of those who may not see it", () => {
  it("keeps only a bodiless tombstone for developers and reporters, everything for its managers, until restored", async () => {
    const secret = "Root password is hunter2";
    const ticket = await reportTicket(ctx, world.reporter.session, {
      title: "Secret outage",
      categoryId: world.categoryA.id,
    });
    await addComment(ctx, world.developerA.session, ticket.id, { body: secret, visibility: "internal" });
    expect((await send(world.managerA.session, `/v1/tickets/${ticket.id}`, "DELETE")).status).toBe(204);
    const latecomer = await signedIn(ctx, "developer");
    await addMember(ctx, world.teamA.id, latecomer.user.id);

    const query = `?ticketId=${ticket.id}`;
    for (const viewer of [world.developerA, latecomer, world.reporter]) {
      const page = await historyOf(viewer.session, query);
      expect(page.data.map((event) => event.type)).toEqual(["ticket.deleted"]);
      expect(page.total).toBe(1);
      expect(Object.keys(page.data[0]?.payload ?? {}).sort()).toEqual(["deletedAt", "id", "key", "version"]);
      expect(JSON.stringify(page)).not.toContain("Secret outage");
      expect(JSON.stringify(page)).not.toContain(secret);
    }
    const replay = await openStream(ctx, latecomer.session.headers, `?ticketId=${ticket.id}&lastEventId=0`);
    expect(replay.events().map((event) => event.type)).toEqual(["ticket.deleted"]);
    expect(JSON.stringify(replay.messages)).not.toContain(secret);
    await replay.close();

    const ofManager = await historyOf(world.managerA.session, query);
    expect(ofManager.data.map((event) => event.type)).toEqual([
      "ticket.created",
      "comment.created",
      "ticket.deleted",
    ]);

    const restored = await send(world.managerA.session, `/v1/tickets/${ticket.id}/restore`, "POST");
    expect(restored.status).toBe(200);
    const back = await historyOf(latecomer.session, query);
    expect(back.data.map((event) => event.type)).toEqual([
      "ticket.created",
      "comment.created",
      "ticket.deleted",
      "ticket.restored",
    ]);
    expect(JSON.stringify(back)).toContain(secret);
  });
});

describe("a deleted comment's body leaves every read path", () => {
  it("is in no event and no activity row afterwards, for the reporter or anyone else", async () => {
    const body = "My card number is 4111 1111 1111 1111";
    const ticket = await reportTicket(ctx, world.reporter.session, { categoryId: world.categoryA.id });
    const comment = await addComment(ctx, world.reporter.session, ticket.id, { body });
    const edited = "My card number is 4111 (edited)";
    await ctx.app.request(`/v1/tickets/${ticket.id}/comments/${comment.id}`, {
      method: "PATCH",
      headers: { ...world.reporter.session.headers, "Content-Type": "application/json" },
      body: JSON.stringify({ body: edited }),
    });
    expect(
      (await deleteComment(ctx, world.reporter.session, { ticketId: ticket.id, commentId: comment.id }))
        .status,
    ).toBe(204);

    for (const viewer of [world.reporter, world.developerA, world.admin]) {
      const events = await historyOf(viewer.session, `?ticketId=${ticket.id}`);
      expect(events.data.map((event) => event.type)).toEqual([
        "ticket.created",
        "comment.created",
        "comment.updated",
        "comment.deleted",
      ]);
      expect(JSON.stringify(events)).not.toContain("4111");
      const activity = await ctx.app.request(`/v1/tickets/${ticket.id}/activity?limit=100`, {
        headers: viewer.session.headers,
      });
      const rows = (await activity.json()) as { data: { action: string }[] };
      expect(rows.data.map((row) => row.action)).toContain("comment.created");
      expect(JSON.stringify(rows)).not.toContain("4111");
    }
    const audit = await ctx.app.request(`/v1/audit-log?entityType=comment&entityId=${comment.id}&limit=100`, {
      headers: world.admin.session.headers,
    });
    expect(JSON.stringify(await audit.json())).toContain(body);
  });
});
