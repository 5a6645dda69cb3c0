import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisClient } from "../../src/adapters/redis.ts";
import { createApp } from "../../src/app.ts";
import type { Deps } from "../../src/deps.ts";
import { teamChannel, toEnvelope, userChannel } from "../../src/features/events/channels.ts";
import { publishEvents } from "../../src/features/events/publish.ts";
import { relayUnpublished } from "../../src/features/events/relay.ts";
import { createBackgroundTasks } from "../../src/lib/background-tasks.ts";
import { createLogger } from "../../src/lib/logger.ts";
import { nodeClientIp } from "../../src/node/client-ip.ts";
import {
  deadGatewayUrl,
  eventRowsOf,
  listen,
  publishedAtOf,
  unpublishedEvents,
} from "../support/factories/events.ts";
import { patchTicket, reportTicket, ticketWorld } from "../support/factories/tickets.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";

let ctx: TestContext;
let world: Awaited<ReturnType<typeof ticketWorld>>;
beforeAll(async () => {
  ctx = await createTestContext({ env: { TRUST_PROXY: "true" } });
  world = await ticketWorld(ctx);
});
afterAll(() => ctx.close());

describe("publishing after commit", () => {
  it("delivers the envelope to the team's and the reporter's channels, then marks it published", async () => {
    const listener = listen(ctx.deps.redis, [
      teamChannel(world.teamA.id),
      userChannel(world.reporter.user.id),
    ]);
    await listener.ready;
    const ticket = await reportTicket(ctx, world.reporter.session, { categoryId: world.categoryA.id });

    const received = await listener.until((got) => got.length === 2, 1000);
    await listener.close();
    const [event] = await eventRowsOf(ctx, ticket.id);
    if (!event) throw new Error("no event");
    expect(received).toEqual([toEnvelope(event.row), toEnvelope(event.row)]);
    expect(received[0]).toMatchObject({ type: "ticket.created", ticketId: ticket.id, payload: ticket });
    await expect.poll(() => publishedAtOf(ctx, [event.row.id])).toEqual([expect.any(Date)]);
  });

  it("publishes nothing twice: an event already published is skipped", async () => {
    const { ticket, ids } = await unpublishedEvents(ctx, 2);
    const listener = listen(ctx.deps.redis, [teamChannel(ticket.teamId)]);
    await listener.ready;

    await publishEvents(ctx.deps, ids);
    await publishEvents(ctx.deps, ids);
    await relayUnpublished(ctx.deps);

    // Every PUBLISH above was answered, so Redis delivers a later one after all of them: once it
    // arrives, a second copy would already be here.
    await ctx.deps.redis.publish(teamChannel(ticket.teamId), { id: 0 });
    await listener.until((got) => got.some((event) => event.id === 0));
    await listener.close();
    expect(listener.received.map((event) => event.id)).toEqual([...ids, 0]);
  });
});

describe("publishing made to fail", () => {
  it("keeps the write, leaves the event unpublished, and the relay delivers it once Redis is back", async () => {
    const ticket = await reportTicket(ctx, world.reporter.session, { categoryId: world.categoryA.id });
    await expect
      .poll(async () => (await eventRowsOf(ctx, ticket.id))[0]?.row.publishedAt)
      .toBeInstanceOf(Date);

    // The same database, its Redis client pointed at a gateway that is down.
    const logs: Record<string, unknown>[] = [];
    const logger = createLogger("debug", (line) => logs.push(JSON.parse(line)));
    const background = createBackgroundTasks(logger);
    const deadGateway = await deadGatewayUrl();
    const downDeps: Deps = {
      ...ctx.deps,
      logger,
      redis: createRedisClient({ url: deadGateway, token: "unused", timeoutMs: 500 }),
      waitUntil: (work) => background.waitUntil(work),
    };
    const downApp = createApp({
      config: ctx.config,
      logger,
      forRequest: () => downDeps,
      clientIp: nodeClientIp(ctx.config.TRUST_PROXY),
    });

    const response = await patchTicket({ ...ctx, app: downApp }, world.managerA.session, ticket.id, {
      title: "Written while Redis is down",
    });
    expect(response.status).toBe(200);
    expect(await background.drain(5000)).toBe(0);

    const [, updated] = await eventRowsOf(ctx, ticket.id);
    if (!updated) throw new Error("no ticket.updated event");
    expect(updated.row).toMatchObject({ type: "ticket.updated", publishedAt: null });
    expect(logs).toContainEqual(expect.objectContaining({ level: "warn", code: "event_publish_failed" }));

    const listener = listen(ctx.deps.redis, [teamChannel(world.teamA.id)]);
    await listener.ready;
    expect(await relayUnpublished(ctx.deps)).toBeGreaterThanOrEqual(1);
    const received = await listener.until((got) => got.some((event) => event.id === updated.row.id), 1000);
    await listener.close();
    expect(received.find((event) => event.id === updated.row.id)).toMatchObject({
      type: "ticket.updated",
      payload: await response.json(),
    });
    expect(await publishedAtOf(ctx, [updated.row.id])).toEqual([expect.any(Date)]);
  });

  it("leaves the batch unpublished when the relay itself cannot reach Redis", async () => {
    const { ids } = await unpublishedEvents(ctx, 3);
    const down = createRedisClient({
      url: await deadGatewayUrl(),
      token: "x",
      timeoutMs: 500,
    });
    await expect(relayUnpublished({ ...ctx.deps, redis: down })).rejects.toThrow();
    expect(await publishedAtOf(ctx, ids)).toEqual([null, null, null]);
    await relayUnpublished(ctx.deps);
    expect(await publishedAtOf(ctx, ids)).toEqual(ids.map(() => expect.any(Date)));
  });
});
