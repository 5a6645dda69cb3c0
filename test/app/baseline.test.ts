import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDoorContext } from "../support/door.ts";
import type { TestContext } from "../support/test-context.ts";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createDoorContext({ env: { CORS_ORIGINS: "https://app.example, http://localhost:5173" } });
});
afterAll(() => ctx.close());

async function problemOf(response: Response) {
  expect(response.headers.get("Content-Type")).toBe("application/problem+json");
  return (await response.json()) as Record<string, unknown>;
}

describe("request ids", () => {
  it("mints a UUID when none is offered and echoes it", async () => {
    const response = await ctx.app.request("/health");
    expect(response.headers.get("X-Request-Id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("honours a sane X-Request-Id", async () => {
    const response = await ctx.app.request("/health", { headers: { "X-Request-Id": "frontend.42:abc" } });
    expect(response.headers.get("X-Request-Id")).toBe("frontend.42:abc");
  });

  it("replaces an unsafe X-Request-Id instead of logging it", async () => {
    const hostile = 'x\u2028injected"}{ '.repeat(3);
    const response = await ctx.app.request("/health", {
      headers: { "X-Request-Id": `${encodeURI(hostile)}<>` },
    });
    const id = response.headers.get("X-Request-Id");
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("request log", () => {
  it("writes one structured line per request without credentials or query strings", async () => {
    const before = ctx.logs.length;
    await ctx.app.request("/health?token=single-use-secret", {
      headers: { "X-Request-Id": "log-1", Authorization: "Bearer super-secret-token", Cookie: "rt=abc" },
    });
    const lines = ctx.logs.slice(before).filter((line) => line.msg === "request");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: "info",
      method: "GET",
      route: "/health",
      path: "/health",
      status: 200,
      requestId: "log-1",
    });
    expect(lines[0]?.durationMs).toEqual(expect.any(Number));
    const serialized = JSON.stringify(ctx.logs.slice(before));
    expect(serialized).not.toContain("super-secret-token");
    expect(serialized).not.toContain("single-use-secret");
    expect(serialized).not.toContain("rt=abc");
  });
});

describe("CORS", () => {
  it("allows a configured origin with credentials", async () => {
    const response = await ctx.app.request("/health", { headers: { Origin: "https://app.example" } });
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe("https://app.example");
    expect(response.headers.get("Access-Control-Allow-Credentials")).toBe("true");
    expect(response.headers.get("Access-Control-Expose-Headers")).toContain("X-Request-Id");
  });

  it("never reflects an unlisted origin", async () => {
    const response = await ctx.app.request("/health", { headers: { Origin: "https://evil.example" } });
    expect(response.headers.get("Access-Control-Allow-Origin")).toBeNull();
  });

  it("answers a preflight from a configured origin", async () => {
    const response = await ctx.app.request("/health", {
      method: "OPTIONS",
      headers: {
        Origin: "http://localhost:5173",
        "Access-Control-Request-Method": "PATCH",
        "Access-Control-Request-Headers": "authorization, if-match",
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get("Access-Control-Allow-Methods")).toContain("PATCH");
    expect(response.headers.get("Access-Control-Allow-Headers")?.toLowerCase()).toContain("if-match");
  });
});

describe("problem+json for what no route serves", () => {
  it("answers an unknown route with 404 and every RFC 9457 member", async () => {
    const response = await ctx.app.request("/no/such/route", { headers: { "X-Request-Id": "req-404" } });
    expect(response.status).toBe(404);
    expect(await problemOf(response)).toEqual({
      type: "urn:tixgenius:problem:route_not_found",
      title: "Not found",
      status: 404,
      detail: expect.stringContaining("/no/such/route"),
      instance: "/no/such/route",
      code: "route_not_found",
      requestId: "req-404",
    });
  });

  it("answers a known path with the wrong method with 405 and Allow", async () => {
    const response = await ctx.app.request("/health", { method: "DELETE" });
    expect(response.status).toBe(405);
    expect(response.headers.get("Allow")).toBe("GET, HEAD, OPTIONS");
    expect((await problemOf(response)).code).toBe("method_not_allowed");
  });
});

describe("secure headers", () => {
  it("sets the baseline security headers on every response", async () => {
    for (const path of ["/health", "/missing"]) {
      const response = await ctx.app.request(path);
      expect(response.headers.get("X-Content-Type-Options")).toBe("nosniff");
      expect(response.headers.get("X-Frame-Options")).toBe("SAMEORIGIN");
      expect(response.headers.get("Strict-Transport-Security")).toContain("max-age=");
    }
  });
});
