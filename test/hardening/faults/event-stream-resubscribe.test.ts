import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { type OpenStream, openStream, produce, STREAM_ENV, ticketOf } from "../../events/stream-support.ts";
import { createTeam } from "../../support/factories/tickets.ts";
import { signedIn } from "../../support/factories.ts";
import { FaultProxy } from "../../support/fault-proxy.ts";
import { eventually } from "../../support/faults.ts";
import { createTestContext, type TestContext } from "../../support/test-context.ts";

/**
 * Open event streams across an outage of the Upstash REST gateway (the proxy in front of it goes
 * down and comes back). The table poll is set far beyond the test's length, so an event a stream
 * receives came through its pub/sub subscription: nothing here depends on how fast a busy machine
 * is, only on whether the subscription is there.
 */
const NO_POLL = { ...STREAM_ENV, EVENT_RECHECK_SECONDS: "300", EVENT_STREAM_MAX_SECONDS: "120" };
/** Ample for a doorbell (milliseconds when healthy), far below the 300 s poll. */
const DELIVERY_MS = 8000;
/** The stream retries every second; a loaded machine gets several tries. */
const RESUBSCRIBE_MS = 10_000;

let proxy: FaultProxy;
let ctx: TestContext;
beforeAll(async () => {
  proxy = await FaultProxy.start(inject("gatewayUrl"));
  ctx = await createTestContext({ redisUrl: proxy.urlFor(inject("gatewayUrl")), env: NO_POLL });
});
afterEach(() => proxy.up());
afterAll(async () => {
  await ctx?.close();
  await proxy?.close();
});

async function world() {
  const [developer, admin, reporter] = await Promise.all([
    signedIn(ctx, "developer"),
    signedIn(ctx, "admin"),
    signedIn(ctx, "reporter"),
  ]);
  const team = await createTeam(ctx, { members: [developer.user.id] });
  return { developer, admin, ticket: ticketOf({ reporterId: reporter.user.id, teamId: team.id }) };
}

/** Log lines with this code about one of these users (the fields, never the wording). */
function logged(code: string, userIds: string[]) {
  return ctx.logs.filter((line) => line.code === code && userIds.includes(String(line.userId)));
}

async function expectDelivered(streams: Record<string, OpenStream>, id: number) {
  for (const [who, stream] of Object.entries(streams)) {
    await stream
      .until(() => stream.ids().includes(id), DELIVERY_MS)
      .catch((error: Error) => {
        throw new Error(`${who}'s stream did not get event ${id} by pub/sub: ${error.message}`);
      });
  }
}

describe("event streams across a gateway outage", () => {
  it("resubscribe once the gateway is back, say so in the log, and deliver by pub/sub again", async () => {
    const { developer, admin, ticket } = await world();
    const users = [developer.user.id, admin.user.id];
    // The developer listens on channels, the admin on the all-teams pattern.
    const streams = {
      developer: await openStream(ctx, developer.session.headers),
      admin: await openStream(ctx, admin.session.headers),
    };
    try {
      await expectDelivered(streams, await produce(ctx, ticket));

      await proxy.down();
      await eventually(
        () => logged("event_subscription_lost", users).length,
        (lost) => lost >= 2,
        RESUBSCRIBE_MS,
      );
      expect(logged("event_subscription_lost", users), "each stream says it lost pub/sub").toEqual([
        expect.objectContaining({ level: "warn" }),
        expect.objectContaining({ level: "warn" }),
      ]);
      await proxy.up();

      const restored = await eventually(
        () => logged("event_subscription_restored", users),
        (lines) => lines.length >= 2,
        RESUBSCRIBE_MS,
      );
      expect(restored.map((line) => line.userId).sort(), "each stream resubscribed").toEqual(
        [...users].sort(),
      );
      await expectDelivered(streams, await produce(ctx, ticket));
      expect(streams.developer.done || streams.admin.done, "the streams stayed open").toBe(false);
    } finally {
      await Promise.all(Object.values(streams).map((stream) => stream.close()));
    }
  });

  it("subscribe a stream opened while the gateway was down once it is back", async () => {
    const { developer, ticket } = await world();
    await proxy.down();
    const stream = await openStream(ctx, developer.session.headers);
    try {
      expect(stream.comments, "the stream went live on the table alone").toContain("live");
      await proxy.up();
      await eventually(
        () => logged("event_subscription_restored", [developer.user.id]),
        (lines) => lines.length === 1,
        RESUBSCRIBE_MS,
      );
      await expectDelivered({ developer: stream }, await produce(ctx, ticket));
    } finally {
      await stream.close();
    }
  });
});
