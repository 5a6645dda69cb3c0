import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestContext, type TestContext } from "../../support/test-context.ts";

interface Operation {
  requestBody?: unknown;
  responses: Record<string, { content?: Record<string, unknown> }>;
}
type Document = { paths: Record<string, Record<string, Operation>> };

/** The only route that touches neither PostgreSQL nor Redis. */
const NO_DEPENDENCY = ["GET /health"];
/** `/ready` reports an outage as its own JSON document, not as a problem. */
const READINESS = "GET /ready";

let ctx: TestContext;
let operations: [string, Operation][];
beforeAll(async () => {
  ctx = await createTestContext();
  const document = (await (await ctx.app.request("/openapi.json")).json()) as Document;
  operations = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(
      ([method, operation]) => [`${method.toUpperCase()} ${path}`, operation] as const,
    ),
  );
});
afterAll(() => ctx.close());

describe("the OpenAPI document under outages", () => {
  it("declares 503 problem+json on every route that touches PostgreSQL or Redis", () => {
    const dependent = operations.filter(([name]) => !NO_DEPENDENCY.includes(name));
    expect(dependent.length).toBeGreaterThan(40);
    const lacking = dependent
      .filter(([name, operation]) => {
        const expected = name === READINESS ? "application/json" : "application/problem+json";
        return !operation.responses["503"]?.content?.[expected];
      })
      .map(([name]) => name);
    expect(lacking).toEqual([]);
  });

  it("declares 413 on every route that accepts a body", () => {
    const withBody = operations.filter(([, operation]) => operation.requestBody !== undefined);
    expect(withBody.length).toBeGreaterThan(15);
    expect(withBody.filter(([, operation]) => !operation.responses["413"]).map(([name]) => name)).toEqual([]);
  });
});
