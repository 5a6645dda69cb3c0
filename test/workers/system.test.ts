import { describe, expect, inject, it } from "vitest";
import { workerFetch } from "./support/requests.ts";

describe("system routes inside workerd", () => {
  it("answers /health with 200 JSON", async () => {
    const response = await workerFetch("/health");

    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ status: "ok" });
  });

  it(`is ready with PostgreSQL (${inject("workersDatabaseKind")}) and Redis up, request after request`, async () => {
    // Each request opens its own postgres.js client; one shared across requests fails every
    // other request in workerd, so a single success proves nothing.
    for (let attempt = 1; attempt <= 6; attempt++) {
      const response = await workerFetch("/ready");
      const body = (await response.json()) as { status: string; checks: Record<string, { status: string }> };

      expect({ attempt, status: response.status, body }).toMatchObject({
        attempt,
        status: 200,
        body: { status: "ok", checks: { postgres: { status: "up" }, redis: { status: "up" } } },
      });
    }
  });

  it("serves an OpenAPI 3.1 document", async () => {
    const response = await workerFetch("/openapi.json");
    const document = (await response.json()) as { openapi: string; paths: Record<string, unknown> };

    expect(response.status).toBe(200);
    expect(document.openapi).toMatch(/^3\.1\./);
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(["/health", "/ready"]));
  });

  it("answers an unknown route with a 404 problem", async () => {
    const response = await workerFetch("/no-such-route");
    const problem = (await response.json()) as Record<string, unknown>;

    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(problem).toMatchObject({ status: 404, instance: "/no-such-route" });
    expect(problem.requestId).toEqual(expect.any(String));
  });
});
