import { hc } from "hono/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppType } from "../../src/app.ts";
import { TRANSFER_PATH } from "../../src/features/attachments/signed-urls.ts";
import { expectSelfContainedDocs } from "../support/docs-page.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

describe("OpenAPI document", () => {
  it("is OpenAPI 3.1 and describes every route with its responses", async () => {
    const response = await ctx.app.request("/openapi.json");
    expect(response.status).toBe(200);
    const document = (await response.json()) as {
      openapi: string;
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
      components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
    };
    expect(document.openapi).toBe("3.1.0");
    expect(Object.keys(document.paths["/ready"]?.get?.responses ?? {}).sort()).toEqual(["200", "500", "503"]);
    expect(document.paths["/health"]?.get?.responses["200"]).toBeDefined();
    expect(document.components.schemas.Problem).toBeDefined();
    expect(document.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
  });

  it("lists exactly the routes the app serves (besides the docs and the signed transfer URLs)", async () => {
    const document = (await (await ctx.app.request("/openapi.json")).json()) as {
      paths: Record<string, object>;
    };
    const documented = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path.replaceAll(/\{(\w+)\}/g, ":$1")}`),
    );
    const served = ctx.app.routes
      .filter(
        (route) =>
          route.method !== "ALL" &&
          route.path !== "/openapi.json" &&
          !route.path.startsWith("/docs") &&
          // Signed URLs the API hands out, like S3's presigned ones: not a surface clients build
          // requests for (src/features/attachments/transfer-routes.ts).
          !route.path.startsWith(`${TRANSFER_PATH}/`),
      )
      .map((route) => `${route.method} ${route.path}`);
    expect(new Set(documented)).toEqual(new Set(served));
  });

  it("serves an API reference page at /docs pointing at the document", async () => {
    const response = await ctx.app.request("/docs");
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toContain("text/html");
    expect(await response.text()).toContain("/openapi.json");
  });

  it("serves /docs with only same-origin URLs, its script from the project's own dependencies", async () => {
    await expectSelfContainedDocs((path) => ctx.app.request(path));
  });
});

describe("typed client", () => {
  it("calls the API through hono/client with typed responses", async () => {
    const client = hc<AppType>("http://tixgenius.test", {
      fetch: (input: Parameters<typeof fetch>[0], init?: RequestInit) => ctx.app.request(input, init),
    });
    const health = await client.health.$get();
    expect(health.status).toBe(200);
    const body = await health.json();
    expect(body.status).toBe("ok");

    const ready = await client.ready.$get();
    if (ready.status !== 200) throw new Error(`unexpected ${ready.status}`);
    const readiness = await ready.json();
    expect(readiness.checks.postgres.status).toBe("up");
  });
});
