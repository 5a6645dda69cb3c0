import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestContext, type TestContext } from "../support/test-context.ts";

describe("GET /health", () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
  });
  afterAll(() => ctx.close());

  it("answers 200 ok without touching dependencies", async () => {
    await ctx.database.close();
    const response = await ctx.app.request("/health");
    expect(response.status).toBe(200);
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    expect(await response.json()).toEqual({ status: "ok" });
  });
});

describe("GET /ready", () => {
  it("answers 200 with each dependency up and its latency", async () => {
    const ctx = await createTestContext();
    try {
      const response = await ctx.app.request("/ready");
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        status: "ok",
        checks: {
          postgres: { status: "up", latencyMs: expect.any(Number) },
          redis: { status: "up", latencyMs: expect.any(Number) },
        },
      });
    } finally {
      await ctx.close();
    }
  });

  it("answers 503 with the same shape when Redis is unreachable, quickly", async () => {
    const ctx = await createTestContext({
      redisUrl: "http://127.0.0.1:9",
      env: { READY_TIMEOUT_MS: "500" },
    });
    try {
      const startedAt = Date.now();
      const response = await ctx.app.request("/ready");
      expect(Date.now() - startedAt).toBeLessThan(3000);
      expect(response.status).toBe(503);
      const body = (await response.json()) as { status: string; checks: Record<string, { status: string }> };
      expect(body.status).toBe("unavailable");
      expect(body.checks.postgres?.status).toBe("up");
      expect(body.checks.redis?.status).toBe("down");
      expect(
        ctx.logs.some((line) => line.code === "dependency_not_ready" && line.dependency === "redis"),
      ).toBe(true);
    } finally {
      await ctx.close();
    }
  });

  it("answers 503 when PostgreSQL is gone", async () => {
    const ctx = await createTestContext();
    try {
      await ctx.database.close();
      const response = await ctx.app.request("/ready");
      expect(response.status).toBe(503);
      const body = (await response.json()) as { checks: Record<string, { status: string }> };
      expect(body.checks.postgres?.status).toBe("down");
      expect(body.checks.redis?.status).toBe("up");
      expect(JSON.stringify(body)).not.toMatch(/password|127\.0\.0\.1|5432/);
    } finally {
      await ctx.close();
    }
  });
});
