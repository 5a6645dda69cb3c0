import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createRedisClient } from "../../src/adapters/redis.ts";
import { createApp } from "../../src/app.ts";
import { startGateway } from "../../src/gateway/server.ts";
import { nodeClientIp } from "../../src/node/client-ip.ts";
import { createUser, freshIp, jsonRequest, login, uniqueEmail } from "../support/factories.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";

let ctx: TestContext;
beforeAll(async () => {
  // A generous Redis deadline: on a busy machine a 503 (failing closed) would read as a refusal.
  ctx = await createTestContext({
    env: { TRUST_PROXY: "true", RATE_LIMIT_LOGIN: "5/900", RATE_LIMIT_TIMEOUT_MS: "5000" },
  });
});
afterAll(() => ctx.close());

const badLogin = (email: string, ip: string) =>
  ctx.app.request(
    "/v1/auth/login",
    jsonRequest("POST", { email, password: "wrong password!" }, { "X-Forwarded-For": ip }),
  );

describe("login failures", () => {
  it("answers the 6th bad login in the window with 429, Retry-After and both RateLimit headers", async () => {
    const user = await createUser(ctx);
    const ip = freshIp();
    for (let attempt = 1; attempt <= 5; attempt++) {
      const response = await badLogin(user.email, ip);
      expect(response.status).toBe(401);
      expect(response.headers.get("RateLimit")).toContain(`"login";r=${5 - attempt};t=`);
    }
    const blocked = await badLogin(user.email, ip);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(blocked.headers.get("RateLimit-Policy")).toContain('"login";q=5;w=900');
    expect(blocked.headers.get("RateLimit")).toMatch(/"login";r=0;t=\d+/);
    expect(((await blocked.json()) as { code: string }).code).toBe("rate_limited");
    // Even the right password is refused until the window passes: no hashing for this caller.
    const right = await ctx.app.request(
      "/v1/auth/login",
      jsonRequest("POST", { email: user.email, password: user.password }, { "X-Forwarded-For": ip }),
    );
    expect(right.status).toBe(429);

    const elsewhere = await ctx.app.request(
      "/v1/auth/login",
      jsonRequest("POST", { email: user.email, password: user.password }, { "X-Forwarded-For": freshIp() }),
    );
    expect(elsewhere.status).toBe(200);
  });

  it("counts failures per IP across emails", async () => {
    const ip = freshIp();
    for (let attempt = 0; attempt < 5; attempt++)
      expect((await badLogin(uniqueEmail(), ip)).status).toBe(401);
    expect((await badLogin(uniqueEmail(), ip)).status).toBe(429);
  });

  it("does not count successful logins", async () => {
    const user = await createUser(ctx);
    const ip = freshIp();
    for (let attempt = 0; attempt < 7; attempt++) await login(ctx, user, ip);
  });
});

describe("authenticated limits", () => {
  it("sends the IETF headers on limited routes, per user", async () => {
    const session = await login(ctx, await createUser(ctx));
    const response = await ctx.app.request("/v1/me", { headers: session.headers });
    expect(response.status).toBe(200);
    expect(response.headers.get("RateLimit-Policy")).toBe('"read";q=600;w=60');
    expect(response.headers.get("RateLimit")).toMatch(/^"read";r=599;t=\d+$/);
  });

  it("limits reads per user with 429 once the quota is spent", async () => {
    const tight = await createTestContext({ env: { TRUST_PROXY: "true", RATE_LIMIT_READ: "3/60" } });
    try {
      const session = await login(tight, await createUser(tight));
      const statuses: number[] = [];
      for (let call = 0; call < 4; call++) {
        statuses.push((await tight.app.request("/v1/me", { headers: session.headers })).status);
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
      const other = await login(tight, await createUser(tight));
      expect((await tight.app.request("/v1/me", { headers: other.headers })).status).toBe(200);
    } finally {
      await tight.close();
    }
  });
});

describe("with Redis unreachable", () => {
  it("fails auth routes closed (503, quickly), other routes open with a warning, and recovers", async () => {
    const token = "outage-token";
    let gateway = await startGateway({ token, backend: redisBackend(), port: 0 });
    const port = gateway.port;
    const redis = createRedisClient({ url: gateway.url, token, timeoutMs: 500 });
    const deps = { ...ctx.deps, redis };
    const app = createApp({
      config: ctx.config,
      logger: ctx.deps.logger,
      forRequest: () => deps,
      clientIp: nodeClientIp(true),
    });
    const user = await createUser(ctx);
    const loginRequest = () =>
      app.request(
        "/v1/auth/login",
        jsonRequest("POST", { email: user.email, password: user.password }, { "X-Forwarded-For": freshIp() }),
      );
    const first = await loginRequest();
    expect(first.status).toBe(200);
    const { accessToken } = (await first.json()) as { accessToken: string };

    await gateway.close();
    const startedAt = Date.now();
    const refused = await loginRequest();
    expect(refused.status).toBe(503);
    expect(refused.headers.get("Content-Type")).toBe("application/problem+json");
    expect(Date.now() - startedAt).toBeLessThan(1500);
    const refusal = ctx.logs.find(
      (line) => line.code === "rate_limit_refused" && line.requestId === refused.headers.get("X-Request-Id"),
    );
    expect(refusal).toMatchObject({ level: "warn", policy: "anonymous" });
    expect(refusal?.error).toBeDefined();

    const read = await app.request("/v1/me", { headers: { Authorization: `Bearer ${accessToken}` } });
    expect(read.status).toBe(200);
    expect(read.headers.get("RateLimit")).toBeNull();
    expect(ctx.logs.some((line) => line.code === "rate_limit_skipped" && line.level === "warn")).toBe(true);

    gateway = await startGateway({ token, backend: redisBackend(), port });
    try {
      expect((await loginRequest()).status).toBe(200);
    } finally {
      await gateway.close();
    }
  });
});

function redisBackend() {
  const redisUrl = inject("redisUrl");
  return redisUrl ? { redisUrl } : ("memory" as const);
}

describe("refresh limits", () => {
  it("count malformed refresh tokens per caller, not in one shared bucket", async () => {
    const tight = await createTestContext({ env: { TRUST_PROXY: "true", RATE_LIMIT_REFRESH: "2/60" } });
    try {
      const refreshFrom = (ip: string) =>
        tight.app.request(
          "/v1/auth/refresh",
          jsonRequest("POST", { refreshToken: "garbage" }, { "X-Forwarded-For": ip }),
        );
      const noisy = freshIp();
      const statuses = [];
      for (let attempt = 0; attempt < 3; attempt++) statuses.push((await refreshFrom(noisy)).status);
      expect(statuses).toEqual([401, 401, 429]);
      expect((await refreshFrom(freshIp())).status).toBe(401);
    } finally {
      await tight.close();
    }
  });

  it("never let a token without the session's secret spend that session's refreshes", async () => {
    const tight = await createTestContext({
      // A generous Redis deadline: on a busy machine a 503 (failing closed) would read as a refusal.
      env: { TRUST_PROXY: "true", RATE_LIMIT_REFRESH: "2/60", RATE_LIMIT_TIMEOUT_MS: "5000" },
    });
    try {
      const victim = await login(tight, await createUser(tight));
      const [victimSessionId] = victim.refreshToken.split(".");
      const attacker = freshIp();
      const statuses = [];
      for (let attempt = 0; attempt < 3; attempt++) {
        const forged = await tight.app.request(
          "/v1/auth/refresh",
          jsonRequest(
            "POST",
            { refreshToken: `${victimSessionId}.garbage` },
            { "X-Forwarded-For": attacker },
          ),
        );
        statuses.push(forged.status);
      }
      // The forgeries count against the attacker's address, and run out there.
      expect(statuses).toEqual([401, 401, 429]);
      const own = await tight.app.request(
        "/v1/auth/refresh",
        jsonRequest("POST", { refreshToken: victim.refreshToken }, { "X-Forwarded-For": freshIp() }),
      );
      expect(own.status).toBe(200);
      expect(own.headers.get("RateLimit")).toMatch(/^"refresh";r=1;/);
    } finally {
      await tight.close();
    }
  });
});
