import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { events } from "../../src/db/schema.ts";
import { teamChannel } from "../../src/features/events/channels.ts";
import { pruneEvents } from "../../src/features/events/prune.ts";
import { relayUnpublished } from "../../src/features/events/relay.ts";
import { fanOutEvents } from "../../src/features/webhooks/fanout.ts";
import { listen, publishedAtOf, unpublishedEvents } from "../support/factories/events.ts";
import { racesAreReal } from "../support/races.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

describe("the relay", () => {
  it("publishes the backlog oldest first across batches", async () => {
    const { ticket, ids } = await unpublishedEvents(ctx, 25);
    const listener = listen(ctx.deps.redis, [teamChannel(ticket.teamId)]);
    await listener.ready;

    expect(await relayUnpublished(ctx.deps, { batchSize: 10 })).toBeGreaterThanOrEqual(25);
    const received = await listener.until((got) => got.length === 25);
    await listener.close();
    expect(received.map((event) => event.id)).toEqual(ids);
  });

  it.runIf(racesAreReal())(
    "splits the backlog between concurrent relays without publishing any event twice",
    async () => {
      const { ticket, ids } = await unpublishedEvents(ctx, 60);
      const listener = listen(ctx.deps.redis, [teamChannel(ticket.teamId)]);
      await listener.ready;

      await Promise.all([1, 2, 3, 4].map(() => relayUnpublished(ctx.deps, { batchSize: 5 })));
      // Every relay's PUBLISH has been answered, so Redis delivers a later one after all of
      // theirs: once it arrives, a duplicate would already be here.
      await ctx.deps.redis.publish(teamChannel(ticket.teamId), { id: 0 });
      await listener.until((got) => got.some((event) => event.id === 0));
      await listener.close();
      const receivedIds = listener.received.map((event) => event.id).filter((id) => id !== 0);
      expect(receivedIds).toHaveLength(60);
      expect([...receivedIds].sort((a, b) => a - b)).toEqual(ids);
      expect(await publishedAtOf(ctx, ids)).toEqual(ids.map(() => expect.any(Date)));
    },
  );
});

describe("pruning", () => {
  it("deletes published events past the retention and keeps recent or unpublished ones", async () => {
    const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3_600_000);
    const retention = ctx.config.EVENTS_RETENTION_HOURS;
    const ticket = { ticketId: randomUUID(), reporterId: randomUUID(), type: "ticket.updated" as const };
    const rows = await ctx.deps.db
      .insert(events)
      .values([
        {
          ...ticket,
          payload: { case: "old, published" },
          createdAt: hoursAgo(retention + 1),
          publishedAt: hoursAgo(retention + 1),
        },
        {
          ...ticket,
          payload: { case: "old, unpublished" },
          createdAt: hoursAgo(retention + 1),
          publishedAt: null,
        },
        {
          ...ticket,
          payload: { case: "recent, published" },
          createdAt: hoursAgo(retention - 1),
          publishedAt: new Date(),
        },
      ])
      .returning({ id: events.id });

    // A maintenance pass fans events out to webhooks before pruning: only then may they go.
    await fanOutEvents(ctx.deps);
    expect(await pruneEvents(ctx.deps)).toBeGreaterThanOrEqual(1);
    const left = await ctx.deps.db
      .select({ payload: events.payload })
      .from(events)
      .where(eq(events.ticketId, ticket.ticketId))
      .orderBy(events.id);
    expect(left.map((row) => row.payload)).toEqual([
      { case: "old, unpublished" },
      { case: "recent, published" },
    ]);
    expect(rows).toHaveLength(3);
    // The old unpublished one goes once the relay published it and a later prune runs.
    await ctx.deps.db
      .update(events)
      .set({ publishedAt: new Date() })
      .where(eq(events.ticketId, ticket.ticketId));
    await pruneEvents(ctx.deps);
    expect(
      await ctx.deps.db.select({ id: events.id }).from(events).where(eq(events.ticketId, ticket.ticketId)),
    ).toHaveLength(1);
  });
});
