import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import type { Ticket } from "../../../src/features/tickets/schemas.ts";
import { reportTicket } from "../../support/factories/tickets.ts";
import { type Session, signedIn, uniqueEmail } from "../../support/factories.ts";
import { FaultProxy } from "../../support/fault-proxy.ts";
import { expectServiceUnavailable, loggedDuring, timed } from "../../support/faults.ts";
import { createTestContext, REDIS_TIMEOUT_MS, type TestContext } from "../../support/test-context.ts";
import { authRequests, RATE_LIMIT_SKIPPED, redisFaultEnv, SCHEDULING_MARGIN_MS } from "./support.ts";

const limiterTimeoutMs = Number(redisFaultEnv.RATE_LIMIT_TIMEOUT_MS);

/**
 * Latency added to every chunk between the app and the gateway: slower than the limiter's
 * deadline but within the Redis client's, and so slow that nothing answers in time.
 */
const LATENCIES = [
  { name: "slower than the rate limiter's deadline", latencyMs: limiterTimeoutMs + 100 },
  { name: "that never answers in time", latencyMs: 60_000 },
];

let proxy: FaultProxy;
let ctx: TestContext;
let reporter: { user: { email: string; password: string }; session: Session };
let ticket: Ticket;

beforeAll(async () => {
  proxy = await FaultProxy.start(inject("gatewayUrl"));
  ctx = await createTestContext({ redisUrl: proxy.urlFor(inject("gatewayUrl")), env: redisFaultEnv });
  reporter = await signedIn(ctx, "reporter");
  ticket = await reportTicket(ctx, reporter.session);
});
afterEach(() => {
  // Chunks already queued keep their delay; requests still waiting on them end at the client's deadline.
  proxy.latencyMs = 0;
});
afterAll(async () => {
  await ctx.close();
  await proxy.close();
});

describe.each(LATENCIES)("with Redis $name", ({ latencyMs }) => {
  it("auth routes refuse with 503 once the limiter's deadline passes", async () => {
    proxy.latencyMs = latencyMs;
    for (const [name, request] of Object.entries(authRequests(reporter, uniqueEmail("slow")))) {
      const { value: response, ms } = await timed(() => ctx.app.request(request.path, request.init));
      await expectServiceUnavailable(response);
      expect(ms, `${name} took ${ms} ms`).toBeLessThan(limiterTimeoutMs + SCHEDULING_MARGIN_MS);
    }
  });

  it("reads answer within the Redis deadline plus the limiter's, rate limit skipped once", async () => {
    proxy.latencyMs = latencyMs;
    const requestId = crypto.randomUUID();
    const headers = { ...reporter.session.headers, "X-Request-Id": requestId };
    const { value, lines } = await loggedDuring(ctx.logs, () =>
      timed(() => ctx.app.request(`/v1/tickets/${ticket.id}`, { headers })),
    );
    expect(value.value.status).toBe(200);
    expect(value.ms).toBeLessThan(REDIS_TIMEOUT_MS + limiterTimeoutMs + SCHEDULING_MARGIN_MS);
    expect(
      lines.filter((line) => line.code === RATE_LIMIT_SKIPPED && line.requestId === requestId),
    ).toHaveLength(1);
  });

  it("/ready answers 503 within its own deadline, shorter than one round trip", async () => {
    proxy.latencyMs = latencyMs;
    const readyTimeoutMs = Number(redisFaultEnv.READY_TIMEOUT_MS);
    expect(2 * latencyMs).toBeGreaterThan(readyTimeoutMs);
    const { value: response, ms } = await timed(() => ctx.app.request("/ready"));
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({
      checks: { redis: { status: "down" }, postgres: { status: "up" } },
    });
    expect(ms).toBeLessThan(readyTimeoutMs + SCHEDULING_MARGIN_MS);
  });
});

describe("once Redis is fast again", () => {
  it("the same app signs in and counts requests at once", async () => {
    proxy.latencyMs = 0;
    const { login } = authRequests(reporter, uniqueEmail("fast"));
    expect((await ctx.app.request(login.path, login.init)).status).toBe(200);
    const read = await ctx.app.request(`/v1/tickets/${ticket.id}`, { headers: reporter.session.headers });
    expect(read.status).toBe(200);
    expect(read.headers.get("RateLimit")).toMatch(/^"read";r=\d+;t=\d+$/);
  });
});
