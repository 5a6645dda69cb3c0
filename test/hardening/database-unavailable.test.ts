import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPgliteDatabase } from "../../src/adapters/database/pglite.ts";
import { createPostgresDatabase } from "../../src/adapters/database/postgres.ts";
import { isDatabaseConnectionError, isUnstorableTextError } from "../../src/lib/database-errors.ts";
import { signedIn } from "../support/factories.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";

describe("a lost database connection", () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext({ env: { TRUST_PROXY: "true" } });
  });
  afterAll(() => ctx.close());

  it("answers 503 problem+json with Retry-After, not 500, and logs the error once", async () => {
    const { session } = await signedIn(ctx, "reporter");
    await ctx.database.close();

    const response = await ctx.app.request("/v1/me", {
      headers: { ...session.headers, "X-Request-Id": "db-gone-1" },
    });

    expect(response.status).toBe(503);
    expect(response.headers.get("Content-Type")).toBe("application/problem+json");
    expect(Number(response.headers.get("Retry-After"))).toBeGreaterThan(0);
    const problem = (await response.json()) as Record<string, unknown>;
    expect(problem).toMatchObject({ status: 503, code: "service_unavailable", requestId: "db-gone-1" });
    expect(JSON.stringify(problem)).not.toMatch(/CONNECTION|postgres|at /);
    const errors = ctx.logs.filter(
      (line) => line.requestId === "db-gone-1" && line.level === "error" && line.msg !== "request",
    );
    expect(errors.map((line) => line.code)).toEqual(["database_unavailable"]);
  });
});

describe("the database error classifier", () => {
  it("recognizes postgres.js errors of a refused connection", async () => {
    const unreachable = createPostgresDatabase("postgres://postgres@127.0.0.1:1/nowhere", {
      connectTimeoutSeconds: 2,
    });
    const error = await unreachable.db.execute(sql`select 1`).catch((caught: unknown) => caught);
    await unreachable.close();
    expect(isDatabaseConnectionError(error)).toBe(true);
  });

  it("recognizes a closed PGlite", async () => {
    const database = await createPgliteDatabase("memory://");
    await database.close();
    const error = await database.db.execute(sql`select 1`).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    expect(isDatabaseConnectionError(error)).toBe(true);
  });

  it("recognizes driver codes and messages through Drizzle's cause chain", () => {
    const wrapped = (cause: unknown) => Object.assign(new Error("Failed query: select 1"), { cause });
    for (const code of [
      "CONNECTION_CLOSED",
      "CONNECTION_ENDED",
      "CONNECT_TIMEOUT",
      "ECONNREFUSED",
      "57P01",
      "08006",
    ]) {
      expect(isDatabaseConnectionError(wrapped(Object.assign(new Error("x"), { code }))), code).toBe(true);
    }
    expect(isDatabaseConnectionError(wrapped(new Error("Network connection lost.")))).toBe(true);
    const refusedInWorkerd = new Error("proxy request failed, cannot connect to the specified address");
    expect(isDatabaseConnectionError(wrapped(refusedInWorkerd))).toBe(true);
    expect(isDatabaseConnectionError(wrapped(Object.assign(new Error("dup"), { code: "23505" })))).toBe(
      false,
    );
    expect(isDatabaseConnectionError(new TypeError("undefined is not a function"))).toBe(false);
  });

  it("tells text PostgreSQL cannot store apart from other data errors", () => {
    const pgError = (code: string, detail?: string) => Object.assign(new Error("x"), { code, detail });
    expect(isUnstorableTextError(pgError("22021"))).toBe(true);
    expect(isUnstorableTextError(pgError("22P05"))).toBe(true);
    expect(
      isUnstorableTextError(pgError("22P02", "Unicode low surrogate must follow a high surrogate.")),
    ).toBe(true);
    expect(isUnstorableTextError(pgError("22P02", 'invalid input syntax for type uuid: "x"'))).toBe(false);
    expect(isUnstorableTextError(pgError("23505"))).toBe(false);
  });
});
