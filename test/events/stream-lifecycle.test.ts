import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisClient } from "../../src/adapters/redis.ts";
import { createApp } from "../../src/app.ts";
import { teamMembers, users } from "../../src/db/schema.ts";
import { teamChannel, userChannel } from "../../src/features/events/channels.ts";
import { createTeam } from "../support/factories/tickets.ts";
import { signedIn } from "../support/factories.ts";
import { readSse } from "../support/sse.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";
import {
  DELIVERY_MS,
  eventually,
  openStream,
  produce,
  STREAM_ENV,
  subscribersOf,
  ticketOf,
} from "./stream-support.ts";

/** Short, so the rechecks these tests wait for come quickly. */
const RECHECK_MS = 2000;

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ env: { ...STREAM_ENV, EVENT_RECHECK_SECONDS: String(RECHECK_MS / 1000) } });
});
afterAll(() => ctx.close());

const ended = (reason: string) => (stream: { comments: string[]; done: boolean }) =>
  stream.done && stream.comments.includes(`end ${reason}`);

describe("event stream lifecycle", () => {
  it("advises a retry delay first and sends a heartbeat comment every EVENT_HEARTBEAT_SECONDS", async () => {
    const { session } = await signedIn(ctx, "reporter");
    const stream = await openStream(ctx, session.headers);
    try {
      expect(stream.messages[0]).toEqual({ retry: 3000, data: "" });
      await stream.until(
        (sse) => sse.comments.filter((comment) => comment === "heartbeat").length >= 2,
        DELIVERY_MS,
      );
    } finally {
      await stream.close();
    }
  });

  it(
    "ends within seconds when the viewer is disabled, changes role, leaves a team or signs out",
    async () => {
      const cases = ["disabled", "promoted", "moved", "signedOut", "unchanged"] as const;
      type Case = (typeof cases)[number];
      const people = Object.fromEntries(
        await Promise.all(cases.map(async (name) => [name, await signedIn(ctx, "developer")] as const)),
      ) as Record<Case, Awaited<ReturnType<typeof signedIn>>>;
      const team = await createTeam(ctx, { members: Object.values(people).map((person) => person.user.id) });
      const streams = Object.fromEntries(
        await Promise.all(
          cases.map(async (name) => [name, await openStream(ctx, people[name].session.headers)] as const),
        ),
      ) as Record<Case, Awaited<ReturnType<typeof openStream>>>;

      await ctx.deps.db
        .update(users)
        .set({ status: "disabled" })
        .where(eq(users.id, people.disabled.user.id));
      await ctx.deps.db.update(users).set({ role: "manager" }).where(eq(users.id, people.promoted.user.id));
      await ctx.deps.db
        .delete(teamMembers)
        .where(and(eq(teamMembers.teamId, team.id), eq(teamMembers.userId, people.moved.user.id)));
      const logout = await ctx.app.request("/v1/auth/logout", {
        method: "POST",
        headers: people.signedOut.session.headers,
      });
      expect(logout.status).toBe(204);

      // Generous for a busy machine, and still before the unchanged stream's EVENT_STREAM_MAX_SECONDS.
      const within = RECHECK_MS + 4000;
      await streams.disabled.until(ended("signed_out"), within);
      await streams.promoted.until(ended("view_changed"), within);
      await streams.moved.until(ended("view_changed"), within);
      await streams.signedOut.until(ended("signed_out"), within);
      expect(streams.unchanged.done).toBe(false);
      await Promise.all(Object.values(streams).map((stream) => stream.close()));
      await eventually(async () => (await subscribersOf(ctx, teamChannel(team.id))) === 0);
    },
    RECHECK_MS + 10_000,
  );

  it("releases the upstream subscriptions when the client goes away, over many cycles", async () => {
    const { user, session } = await signedIn(ctx, "developer");
    const team = await createTeam(ctx, { members: [user.id] });
    const channels = [teamChannel(team.id), userChannel(user.id)];
    const counts = () => Promise.all(channels.map((channel) => subscribersOf(ctx, channel)));

    const stream = await openStream(ctx, session.headers);
    expect(await counts()).toEqual([1, 1]);
    await stream.close();
    await eventually(async () => (await counts()).every((count) => count === 0));

    for (let cycle = 0; cycle < 15; cycle++) {
      const again = await openStream(ctx, session.headers);
      await again.close();
    }
    // Gone before the stream was live: aborted mid-subscribe.
    for (let cycle = 0; cycle < 10; cycle++) {
      const abort = new AbortController();
      const response = await ctx.app.request("/v1/events", {
        headers: session.headers,
        signal: abort.signal,
      });
      abort.abort();
      await response.body?.cancel();
    }
    await eventually(async () => (await counts()).every((count) => count === 0), 5000);
  });

  it(
    "still delivers, from the table, while pub/sub is unreachable",
    async () => {
      const { user, session } = await signedIn(ctx, "reporter");
      const redis = createRedisClient({ url: "http://127.0.0.1:9", token: "unreachable", timeoutMs: 200 });
      const deps = { ...ctx.deps, redis };
      const app = createApp({
        config: ctx.config,
        logger: ctx.deps.logger,
        forRequest: () => deps,
        clientIp: () => "::1",
      });
      const abort = new AbortController();
      const response = await app.request("/v1/events", { headers: session.headers, signal: abort.signal });
      expect(response.status).toBe(200);
      const stream = readSse(response, abort);
      try {
        await stream.until((sse) => sse.comments.includes("live"), 5000);
        const id = await produce(ctx, ticketOf({ reporterId: user.id }), { publish: false });
        await stream.until((sse) => sse.events().some((event) => event.id === id), RECHECK_MS + 1000);
        const warned = ctx.logs.filter((line) => line.code === "event_subscription_unavailable");
        expect(warned, "the stream said it runs without pub/sub").toEqual([
          expect.objectContaining({ level: "warn", userId: user.id }),
        ]);
      } finally {
        await stream.close();
      }
    },
    RECHECK_MS + 10_000,
  );

  it("ends after EVENT_STREAM_MAX_SECONDS, and the subscriptions go with it", async () => {
    const { user, session } = await signedIn(ctx, "reporter");
    const stream = await openStream(ctx, session.headers);
    await stream.until(ended("max_duration"), 12_000);
    await eventually(async () => (await subscribersOf(ctx, userChannel(user.id))) === 0);
  }, 15_000);
});
