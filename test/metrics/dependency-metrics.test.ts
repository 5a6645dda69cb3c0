import { inArray, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createPostgresDatabase } from "../../src/adapters/database/postgres.ts";
import { createRedisClient } from "../../src/adapters/redis.ts";
import { events } from "../../src/db/schema.ts";
import { relayAndPrune } from "../../src/features/events/relay.ts";
import { createPrometheusMetrics, type PrometheusMetrics } from "../../src/lib/metrics/prometheus-metrics.ts";
import { deadGatewayUrl, unpublishedEvents } from "../support/factories/events.ts";
import { reportTicket } from "../support/factories/tickets.ts";
import { createUser, freshIp, jsonRequest, signedIn } from "../support/factories.ts";
import { parseExposition, type Sample, sampleValue } from "../support/prometheus-text.ts";
import { createFreshDatabase, createTestContext, type TestContext } from "../support/test-context.ts";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ env: { TRUST_PROXY: "true", RATE_LIMIT_READ: "2/60" } });
});
afterAll(() => ctx.close());

/** Reads a registry's figures through its own exposition, as a scraper would. */
function figures(metrics: PrometheusMetrics) {
  const samples: Sample[] = parseExposition(metrics.render());
  return (name: string, labels: Record<string, string> = {}) => sampleValue(samples, name, labels);
}

const postgres = { dependency: "postgres" };
const redis = { dependency: "redis" };
const DURATION_COUNT = "tixgenius_dependency_duration_seconds_count";
const ERRORS = "tixgenius_dependency_errors_total";

// Only the postgres.js pool is timed; without DATABASE_URL the test databases are PGlite.
const onPostgres = it.runIf(inject("postgresUrl"));

describe("PostgreSQL timing", () => {
  onPostgres(
    "times every statement, inside transactions and savepoints too, and counts none as failed",
    async () => {
      const metrics = createPrometheusMetrics();
      const fresh = await createFreshDatabase(undefined, 2, metrics);
      try {
        const { db } = fresh.database;
        await db.execute(sql`select 1`);
        await db.transaction(async (tx) => {
          await tx.execute(sql`select 2`);
          await tx.transaction(async (savepoint) => {
            await savepoint.execute(sql`select 3`);
          });
        });
        // A statement the server answers with an error is an answer, not a failing dependency.
        await expect(db.execute(sql`select 1 / 0`)).rejects.toThrow();
        const read = figures(metrics);
        expect(read(DURATION_COUNT, postgres)).toBe(4);
        expect(read(ERRORS, postgres)).toBe(0);
      } finally {
        await fresh.drop();
      }
    },
  );

  it("counts an unreachable server as a dependency error", async () => {
    const metrics = createPrometheusMetrics();
    const unreachable = createPostgresDatabase("postgres://postgres@127.0.0.1:1/nowhere", {
      connectTimeoutSeconds: 2,
      metrics,
    });
    await expect(unreachable.db.execute(sql`select 1`)).rejects.toThrow();
    await unreachable.close();
    const read = figures(metrics);
    expect(read(DURATION_COUNT, postgres)).toBe(1);
    expect(read(ERRORS, postgres)).toBe(1);
  });

  onPostgres("moves with the requests the app serves", async () => {
    const earlier = figures(ctx.metrics);
    expect((await ctx.app.request("/ready")).status).toBe(200);
    const later = figures(ctx.metrics);
    expect(later(DURATION_COUNT, postgres) - earlier(DURATION_COUNT, postgres)).toBe(1);
    expect(later(DURATION_COUNT, redis) - earlier(DURATION_COUNT, redis)).toBe(1);
    expect(later(ERRORS, postgres) + later(ERRORS, redis)).toBe(
      earlier(ERRORS, postgres) + earlier(ERRORS, redis),
    );
  });
});

describe("Redis unreachable", () => {
  let down: TestContext;
  beforeAll(async () => {
    down = await createTestContext({ env: { TRUST_PROXY: "true" }, redisUrl: await deadGatewayUrl() });
  });
  afterAll(() => down.close());

  it("counts every failed Redis call as an error, and a fail-closed limiter as skipped", async () => {
    const user = await createUser(down);
    expect((await down.app.request("/ready")).status).toBe(503);
    const login = await down.app.request(
      "/v1/auth/login",
      jsonRequest("POST", { email: user.email, password: user.password }, { "X-Forwarded-For": freshIp() }),
    );
    expect(login.status).toBe(503);

    const read = figures(down.metrics);
    expect(read(ERRORS, redis)).toBeGreaterThanOrEqual(2);
    expect(read(ERRORS, redis)).toBe(read(DURATION_COUNT, redis));
    expect(read(ERRORS, postgres)).toBe(0);
    expect(read("tixgenius_rate_limit_decisions_total", { policy: "anonymous", decision: "skipped" })).toBe(
      1,
    );
    expect(read("tixgenius_http_requests_total", { method: "GET", route: "/ready", status: "503" })).toBe(1);
    expect(
      read("tixgenius_http_requests_total", { method: "POST", route: "/v1/auth/login", status: "503" }),
    ).toBe(1);
  });

  it("is counted once per failed call by the fetch-based client the Worker uses", async () => {
    const metrics = createPrometheusMetrics();
    const client = createRedisClient(
      { url: await deadGatewayUrl(), token: "unused", timeoutMs: 500 },
      metrics,
    );
    await expect(client.ping()).rejects.toThrow();
    const live = createRedisClient({ url: inject("gatewayUrl"), token: inject("gatewayToken") }, metrics);
    expect(await live.ping()).toBe("PONG");
    const read = figures(metrics);
    expect(read(ERRORS, redis)).toBe(1);
    expect(read(DURATION_COUNT, redis)).toBe(2);
  });
});

describe("rate-limit decisions", () => {
  it("count allowed and limited requests per policy", async () => {
    const { session } = await signedIn(ctx, "reporter");
    const earlier = figures(ctx.metrics);
    const statuses: number[] = [];
    for (let n = 0; n < 3; n++)
      statuses.push((await ctx.app.request("/v1/me", { headers: session.headers })).status);
    expect(statuses).toEqual([200, 200, 429]);
    const later = figures(ctx.metrics);
    const delta = (decision: string) =>
      later("tixgenius_rate_limit_decisions_total", { policy: "read", decision }) -
      earlier("tixgenius_rate_limit_decisions_total", { policy: "read", decision });
    expect([delta("allowed"), delta("limited"), delta("skipped")]).toEqual([2, 1, 0]);
  });
});

describe("the event relay", () => {
  it("reports the backlog after each pass, growing while Redis is down, and the lag of what it publishes", async () => {
    await relayAndPrune(ctx.deps, { prune: false });
    expect(figures(ctx.metrics)("tixgenius_event_relay_backlog")).toBe(0);

    const { ids } = await unpublishedEvents(ctx, 3);
    // Written 30 s ago: the relay's lag must say so.
    await ctx.deps.db
      .update(events)
      .set({ createdAt: sql`now() - interval '30 seconds'` })
      .where(inArray(events.id, ids));
    const redisDown = createRedisClient({ url: await deadGatewayUrl(), token: "unused", timeoutMs: 500 });
    await relayAndPrune({ ...ctx.deps, redis: redisDown }, { prune: false });
    const during = figures(ctx.metrics);
    expect(during("tixgenius_event_relay_backlog")).toBe(3);

    await relayAndPrune(ctx.deps, { prune: false });
    const later = figures(ctx.metrics);
    expect(later("tixgenius_event_relay_backlog")).toBe(0);
    const lag = (name: string, labels: Record<string, string> = {}) =>
      later(`tixgenius_event_publish_lag_seconds_${name}`, labels) -
      during(`tixgenius_event_publish_lag_seconds_${name}`, labels);
    expect(lag("count")).toBe(3);
    expect(lag("bucket", { le: "10" })).toBe(0);
    expect(lag("bucket", { le: "60" })).toBe(3);
    expect(lag("sum")).toBeGreaterThanOrEqual(90);
  });

  it("records the lag of an event published right after its commit", async () => {
    const { session } = await signedIn(ctx, "manager");
    const earlier = figures(ctx.metrics)("tixgenius_event_publish_lag_seconds_count");
    await reportTicket(ctx, session);
    await expect
      .poll(() => figures(ctx.metrics)("tixgenius_event_publish_lag_seconds_count") - earlier)
      .toBe(1);
    expect(figures(ctx.metrics)("tixgenius_event_relay_backlog")).toBe(0);
  });
});
