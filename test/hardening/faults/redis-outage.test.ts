import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import type { Ticket } from "../../../src/features/tickets/schemas.ts";
import { startGateway } from "../../../src/gateway/server.ts";
import { reportTicket } from "../../support/factories/tickets.ts";
import { type Session, signedIn, uniqueEmail } from "../../support/factories.ts";
import { FaultProxy } from "../../support/fault-proxy.ts";
import { eventually, expectServiceUnavailable, loggedDuring, timed } from "../../support/faults.ts";
import { createTestContext, REDIS_TIMEOUT_MS, type TestContext } from "../../support/test-context.ts";
import { authRequests, RATE_LIMIT_SKIPPED, redisFaultEnv, SCHEDULING_MARGIN_MS } from "./support.ts";

interface RedisPath {
  /** What the app's Upstash client is pointed at. */
  restUrl: string;
  /** The link that fails: in front of Redis itself, or in front of the gateway. */
  proxy: FaultProxy;
  close(): Promise<void>;
}

const realRedis = inject("redisUrl");

const OUTAGES = [
  {
    name: "Redis itself (behind a running gateway)",
    skip: !realRedis,
    async start(): Promise<RedisPath> {
      const redisUrl = realRedis ?? "";
      const proxy = await FaultProxy.start(redisUrl);
      const gateway = await startGateway({
        token: inject("gatewayToken"),
        backend: { redisUrl: proxy.urlFor(redisUrl) },
      });
      return {
        restUrl: gateway.url,
        proxy,
        async close() {
          await gateway.close();
          await proxy.close();
        },
      };
    },
  },
  {
    name: "the Upstash REST gateway",
    skip: false,
    async start(): Promise<RedisPath> {
      const proxy = await FaultProxy.start(inject("gatewayUrl"));
      return { restUrl: proxy.urlFor(inject("gatewayUrl")), proxy, close: () => proxy.close() };
    },
  },
];

describe.each(OUTAGES)("with $name down", (outage) => {
  let path: RedisPath;
  let ctx: TestContext;
  let reporter: { user: { email: string; password: string }; session: Session };
  let ticket: Ticket;
  const config = redisFaultEnv;

  beforeAll(async () => {
    if (outage.skip) return;
    path = await outage.start();
    ctx = await createTestContext({ redisUrl: path.restUrl, env: config });
    reporter = await signedIn(ctx, "reporter");
    ticket = await reportTicket(ctx, reporter.session);
  });
  afterEach(() => path?.proxy.up());
  afterAll(async () => {
    await ctx?.close();
    await path?.close();
  });

  it.skipIf(outage.skip)(
    "login, register and refresh answer a 503 problem within the limiter's deadline",
    async () => {
      await path.proxy.down();
      const bound = Number(config.RATE_LIMIT_TIMEOUT_MS) + SCHEDULING_MARGIN_MS;
      expect(bound).toBeLessThan(REDIS_TIMEOUT_MS);

      for (const [name, request] of Object.entries(authRequests(reporter, uniqueEmail("outage")))) {
        const { value: response, ms } = await timed(() => ctx.app.request(request.path, request.init));
        await expectServiceUnavailable(response);
        expect(ms, `${name} took ${ms} ms`).toBeLessThan(bound);
      }
    },
  );

  it.skipIf(outage.skip)(
    "authenticated reads and writes keep serving with rate limits open, one warning each",
    async () => {
      await path.proxy.down();
      // Authentication's session check may wait for the Redis client's deadline, then the limiter's.
      const bound = REDIS_TIMEOUT_MS + Number(config.RATE_LIMIT_TIMEOUT_MS) + SCHEDULING_MARGIN_MS;
      const requests = [
        { path: `/v1/tickets/${ticket.id}`, init: { headers: reporter.session.headers }, status: 200 },
        { path: "/v1/me", init: { headers: reporter.session.headers }, status: 200 },
        {
          path: "/v1/tickets",
          init: {
            method: "POST",
            headers: { ...reporter.session.headers, "Content-Type": "application/json" },
            body: JSON.stringify({ title: "Filed while Redis is down" }),
          },
          status: 201,
        },
      ];

      for (const request of requests) {
        const requestId = crypto.randomUUID();
        const init = { ...request.init, headers: { ...request.init.headers, "X-Request-Id": requestId } };
        const { value, lines } = await loggedDuring(ctx.logs, () =>
          timed(() => ctx.app.request(request.path, init)),
        );
        expect(value.value.status, await value.value.clone().text()).toBe(request.status);
        expect(value.value.headers.get("RateLimit")).toBeNull();
        expect(value.ms).toBeLessThan(bound);
        const warnings = lines.filter(
          (line) => line.code === RATE_LIMIT_SKIPPED && line.requestId === requestId,
        );
        expect(warnings).toHaveLength(1);
        expect(warnings[0]?.level).toBe("warn");
      }
    },
  );

  it.skipIf(outage.skip)("routes whose answer lives in Redis say 503, never 500", async () => {
    await path.proxy.down();
    const headers = reporter.session.headers;
    for (const [route, init] of [
      ["/v1/auth/sessions", { headers }],
      ["/v1/events/tokens", { method: "POST", headers }],
    ] as const) {
      const { value: response, lines } = await loggedDuring(ctx.logs, () => ctx.app.request(route, init));
      await expectServiceUnavailable(response);
      const errors = lines.filter((line) => line.level === "error" && line.msg !== "request");
      expect(errors.map((line) => line.code)).toEqual(["redis_unavailable"]);
    }
  });

  it.skipIf(outage.skip)("/ready answers 503 naming redis, within its deadline", async () => {
    await path.proxy.down();
    const { value: response, ms } = await timed(() => ctx.app.request("/ready"));
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({
      status: "unavailable",
      checks: { redis: { status: "down" }, postgres: { status: "up" } },
    });
    expect(ms).toBeLessThan(Number(config.READY_TIMEOUT_MS) + SCHEDULING_MARGIN_MS);
  });

  it.skipIf(outage.skip)("recovers without a restart once Redis is back", async () => {
    await path.proxy.down();
    const email = uniqueEmail("after-outage");
    const during = authRequests(reporter, email);
    await expectServiceUnavailable(await ctx.app.request(during.login.path, during.login.init));

    await path.proxy.up();
    // The gateway reconnects to Redis on its own back-off (at most 500 ms apart).
    const login = await eventually(
      () => ctx.app.request(during.login.path, during.login.init),
      (response) => response.status === 200,
      5000,
    );
    expect(login.status).toBe(200);
    const after = authRequests(reporter, email);
    expect((await ctx.app.request(after.register.path, after.register.init)).status).toBe(201);
    expect((await ctx.app.request(after.refresh.path, after.refresh.init)).status).toBe(200);

    const { value: read, lines } = await loggedDuring(ctx.logs, () =>
      ctx.app.request(`/v1/tickets/${ticket.id}`, { headers: reporter.session.headers }),
    );
    expect(read.status).toBe(200);
    expect(read.headers.get("RateLimit")).toMatch(/^"read";r=\d+;t=\d+$/);
    expect(lines.filter((line) => line.level === "warn")).toEqual([]);
    const ready = await ctx.app.request("/ready");
    expect(ready.status).toBe(200);
  });
});
