import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq, inArray } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createRequestDatabase } from "../../src/adapters/database/request-scoped.ts";
import { createRedisClient } from "../../src/adapters/redis.ts";
import { events } from "../../src/db/schema.ts";
import { type EventEnvelope, userChannel } from "../../src/features/events/channels.ts";
import type { WorkerEnv } from "../../src/worker/config.ts";
import worker from "../../src/worker.ts";
import { jsonRequest } from "../support/factories.ts";
import { signedIn } from "./support/accounts.ts";
import { workerFetchWith } from "./support/requests.ts";

function binding(name: string): string {
  const value = env[name];
  if (typeof value !== "string") throw new Error(`binding ${name} missing`);
  return value;
}

const call = (path: string, init: RequestInit, workerEnv: WorkerEnv = env) =>
  workerFetchWith(workerEnv, path, init);

async function tick() {
  const ctx = createExecutionContext();
  worker.scheduled(createScheduledController({ cron: "* * * * *", scheduledTime: Date.now() }), env, ctx);
  await waitOnExecutionContext(ctx);
}

describe("the Workers cron relay", () => {
  it("publishes, on a scheduled tick, the events whose publish failed during the request", async () => {
    const db = createRequestDatabase(binding("DATABASE_URL"));
    const reporter = await signedIn("reporter");
    const redis = createRedisClient({
      url: binding("UPSTASH_REDIS_REST_URL"),
      token: binding("UPSTASH_REDIS_REST_TOKEN"),
    });
    const subscriber = redis.subscribe<EventEnvelope>([userChannel(reporter.user.id)]);
    const received: EventEnvelope[] = [];
    subscriber.on("message", (event) => received.push(event.message));
    await new Promise<void>((resolve) => subscriber.on("subscribe", () => resolve()));

    // Redis reachable: the ticket.created event is published after the response, under waitUntil.
    const created = await call(
      "/v1/tickets",
      jsonRequest("POST", { title: "Relay me" }, reporter.session.headers),
    );
    expect(created.status).toBe(201);
    const ticket = (await created.json()) as { id: string };
    await expect.poll(() => received.map((event) => event.type)).toEqual(["ticket.created"]);

    // The gateway down for this request only: the write succeeds, its event stays unpublished.
    const gatewayDown = { ...env, UPSTASH_REDIS_REST_URL: "http://127.0.0.1:9" };
    const patched = await call(
      `/v1/tickets/${ticket.id}`,
      jsonRequest("PATCH", { title: "Written while Redis is down" }, reporter.session.headers),
      gatewayDown,
    );
    expect(patched.status).toBe(200);
    const rows = await db
      .select({ id: events.id, type: events.type, publishedAt: events.publishedAt })
      .from(events)
      .where(eq(events.ticketId, ticket.id))
      .orderBy(events.id);
    expect(rows.map((row) => [row.type, row.publishedAt === null])).toEqual([
      ["ticket.created", false],
      ["ticket.updated", true],
    ]);
    const updatedId = rows[1]?.id ?? 0;

    await tick();

    await expect.poll(() => received.map((event) => event.id)).toEqual([rows[0]?.id, updatedId]);
    expect(received[1]).toMatchObject({
      type: "ticket.updated",
      ticketId: ticket.id,
      payload: await patched.json(),
    });
    const [after] = await db
      .select({ publishedAt: events.publishedAt })
      .from(events)
      .where(eq(events.id, updatedId));
    expect(after?.publishedAt).toBeInstanceOf(Date);
    await subscriber.unsubscribe();
  });

  it("prunes published events past the retention on the same tick", async () => {
    const db = createRequestDatabase(binding("DATABASE_URL"));
    const old = new Date(Date.now() - 1000 * 3_600_000);
    const ticketId = crypto.randomUUID();
    const inserted = await db
      .insert(events)
      .values([
        {
          type: "ticket.updated",
          ticketId,
          reporterId: ticketId,
          payload: {},
          createdAt: old,
          publishedAt: old,
        },
        { type: "ticket.updated", ticketId, reporterId: ticketId, payload: {}, createdAt: new Date() },
      ])
      .returning({ id: events.id });

    await tick();

    const left = await db
      .select({ id: events.id, publishedAt: events.publishedAt })
      .from(events)
      .where(
        inArray(
          events.id,
          inserted.map((row) => row.id),
        ),
      );
    expect(left).toEqual([{ id: inserted[1]?.id, publishedAt: expect.any(Date) }]);
  });
});
