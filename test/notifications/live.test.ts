import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { notifications, tickets } from "../../src/db/schema.ts";
import { pruneReadNotifications, sweepDueDates } from "../../src/features/notifications/maintenance.ts";
import type { Notification } from "../../src/features/notifications/schemas.ts";
import { DELIVERY_MS, openStream, STREAM_ENV } from "../events/stream-support.ts";
import { addComment } from "../support/factories/comments.ts";
import { aboutTicket, markAll, unread, watchTicket } from "../support/factories/notifications.ts";
import { patchTicket, reportTicket, ticketWorld } from "../support/factories/tickets.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";

let ctx: TestContext;
let world: Awaited<ReturnType<typeof ticketWorld>>;
beforeAll(async () => {
  ctx = await createTestContext({ env: STREAM_ENV });
  world = await ticketWorld(ctx);
});
afterAll(() => ctx.close());

type Live = {
  type: string;
  recipientId: string | null;
  payload: { notification: Notification; unreadCount: number };
};
const teamTicket = () => reportTicket(ctx, world.reporter.session, { categoryId: world.categoryA.id });
const notificationsIn = (events: Live[]) => events.filter((event) => event.type === "notification.created");

describe("notification.created on the stream", () => {
  it("reaches its recipient alone, with the new unread count for the badge", async () => {
    const ticket = await teamTicket();
    const badge = await unread(ctx, world.reporter.session);
    const streams = {
      reporter: await openStream(ctx, world.reporter.session.headers),
      otherReporter: await openStream(ctx, world.otherReporter.session.headers),
      admin: await openStream(ctx, world.admin.session.headers),
      manager: await openStream(ctx, world.managerA.session.headers),
    };
    try {
      await addComment(ctx, world.developerA.session, ticket.id, { body: "On it" });
      await streams.reporter.until((sse) => notificationsIn(sse.events<Live>()).length === 1, DELIVERY_MS);
      const [live] = notificationsIn(streams.reporter.events<Live>());
      expect(live).toMatchObject({
        recipientId: world.reporter.user.id,
        payload: { unreadCount: badge + 1, notification: { kind: "commented", ticket: { id: ticket.id } } },
      });
      // The comment itself reached the team's manager and the admin; nobody else's notification did.
      await streams.admin.until(
        (sse) => sse.events().some((event) => event.type === "comment.created"),
        DELIVERY_MS,
      );
      await streams.manager.until(
        (sse) => sse.events().some((event) => event.type === "comment.created"),
        DELIVERY_MS,
      );
      for (const other of [streams.otherReporter, streams.admin, streams.manager])
        expect(notificationsIn(other.events<Live>())).toEqual([]);
    } finally {
      await Promise.all(Object.values(streams).map((stream) => stream.close()));
    }
  });

  it("tells a staff watcher of an internal comment and the reporter nothing at all", async () => {
    const ticket = await teamTicket();
    await watchTicket(ctx, world.developerA.session, ticket.id, "PUT");
    const reporter = await openStream(ctx, world.reporter.session.headers);
    const developer = await openStream(ctx, world.developerA.session.headers);
    try {
      await addComment(ctx, world.managerA.session, ticket.id, { body: "psst", visibility: "internal" });
      await developer.until((sse) => notificationsIn(sse.events<Live>()).length === 1, DELIVERY_MS);
      expect(notificationsIn(developer.events<Live>())[0]?.payload.notification.visibility).toBe("internal");
      await addComment(ctx, world.managerA.session, ticket.id, { body: "public sentinel" });
      await reporter.until((sse) => notificationsIn(sse.events<Live>()).length === 1, DELIVERY_MS);
      expect(reporter.events().filter((event) => event.type === "comment.created")).toHaveLength(1);
      expect(notificationsIn(reporter.events<Live>())[0]?.payload).toMatchObject({
        notification: { visibility: "public", count: 1 },
      });
    } finally {
      await Promise.all([reporter.close(), developer.close()]);
    }
  });

  it("keeps other users' notifications out of the event history, even for admins", async () => {
    const ticket = await teamTicket();
    await addComment(ctx, world.developerA.session, ticket.id);
    const history = async (session: typeof world.admin.session) => {
      const response = await ctx.app.request(`/v1/events/history?ticketId=${ticket.id}&limit=100`, {
        headers: session.headers,
      });
      return notificationsIn(((await response.json()) as { data: Live[] }).data);
    };
    expect(await history(world.admin.session)).toEqual([]);
    expect((await history(world.reporter.session)).map((event) => event.recipientId)).toEqual([
      world.reporter.user.id,
    ]);
  });
});

describe("the maintenance pass", () => {
  it("reminds watchers once per due date: soon, then overdue, never for a resolved ticket", async () => {
    const ticket = await teamTicket();
    await watchTicket(ctx, world.developerA.session, ticket.id, "PUT");
    const setDue = (dueAt: ReturnType<typeof sql>) =>
      ctx.deps.db
        .update(tickets)
        .set({ dueAt, firstResponseDueAt: null, resolutionDueAt: null })
        .where(eq(tickets.id, ticket.id));

    await setDue(sql`now() + interval '30 minutes'`);
    await sweepDueDates(ctx.deps);
    await sweepDueDates(ctx.deps);
    expect((await aboutTicket(ctx, world.developerA.session, ticket.id)).map((item) => item.kind)).toEqual([
      "due_soon",
    ]);
    expect((await aboutTicket(ctx, world.reporter.session, ticket.id))[0]).toMatchObject({
      kind: "due_soon",
      actor: null,
      data: { field: "dueAt" },
    });

    await setDue(sql`now() - interval '1 minute'`);
    await sweepDueDates(ctx.deps);
    await sweepDueDates(ctx.deps);
    const kinds = (await aboutTicket(ctx, world.developerA.session, ticket.id)).map((item) => item.kind);
    expect(kinds).toEqual(["overdue", "due_soon"]);

    const resolved = await teamTicket();
    await ctx.deps.db
      .update(tickets)
      .set({ status: "resolved", dueAt: sql`now() + interval '5 minutes'` })
      .where(eq(tickets.id, resolved.id));
    await sweepDueDates(ctx.deps);
    expect(await aboutTicket(ctx, world.reporter.session, resolved.id)).toEqual([]);
  });

  it("prunes notifications read longer ago than NOTIFICATIONS_RETENTION_DAYS, keeps the rest", async () => {
    const ticket = await teamTicket();
    await addComment(ctx, world.managerA.session, ticket.id);
    await patchTicket(ctx, world.managerA.session, ticket.id, { priority: "high" });
    const [newest, oldest] = await aboutTicket(ctx, world.reporter.session, ticket.id);
    await ctx.deps.db
      .update(notifications)
      .set({ readAt: sql`now() - make_interval(days => ${ctx.config.NOTIFICATIONS_RETENTION_DAYS + 1})` })
      .where(eq(notifications.id, oldest?.id as string));

    expect(await pruneReadNotifications(ctx.deps)).toBeGreaterThanOrEqual(1);
    expect((await aboutTicket(ctx, world.reporter.session, ticket.id)).map((item) => item.id)).toEqual([
      newest?.id,
    ]);
    expect((await markAll(ctx, world.reporter.session, newest?.seq as number)).status).toBe(200);
  });
});
