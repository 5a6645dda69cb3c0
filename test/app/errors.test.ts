import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mountProbeRoutes } from "../support/probe-routes.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";

/**
 * The shared request machinery through probe routes mounted on the Node app, so Node only; the
 * same contract on real routes runs through both doors (classic-input and baseline tests).
 */
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ env: { MAX_BODY_BYTES: "2048" } });
  mountProbeRoutes(ctx.app);
});
afterAll(() => ctx.close());

async function problemOf(response: Response) {
  expect(response.headers.get("Content-Type")).toBe("application/problem+json");
  return (await response.json()) as Record<string, unknown>;
}

const postEcho = (body: RequestInit["body"], contentType?: string) =>
  ctx.app.request("/__probe/echo", {
    method: "POST",
    body,
    headers: contentType ? { "Content-Type": contentType } : {},
  });

describe("problem+json errors", () => {
  it("validates JSON bodies and names each bad field by path", async () => {
    const response = await postEcho(JSON.stringify({ name: "", count: -1, extra: true }), "application/json");
    expect(response.status).toBe(400);
    const problem = await problemOf(response);
    expect(problem.code).toBe("validation_failed");
    const paths = (problem.errors as { path: string }[]).map((error) => error.path).sort();
    expect(paths).toEqual(["body.count", "body.name"]);
  });

  it("validates query parameters with a query path", async () => {
    const response = await ctx.app.request("/__probe/echo?flag=maybe", {
      method: "POST",
      body: JSON.stringify({ name: "a", count: 1 }),
      headers: { "Content-Type": "application/json" },
    });
    expect(response.status).toBe(400);
    const problem = await problemOf(response);
    expect((problem.errors as { path: string }[]).map((error) => error.path)).toEqual(["query.flag"]);
  });

  it("accepts a valid JSON body", async () => {
    const response = await postEcho(
      JSON.stringify({ name: "ok", count: 2 }),
      "application/json; charset=utf-8",
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ name: "ok", count: 2 });
  });

  it("answers malformed JSON with 400 malformed_json", async () => {
    const response = await postEcho('{"name": "x",', "application/json");
    expect(response.status).toBe(400);
    expect((await problemOf(response)).code).toBe("malformed_json");
  });

  it.each([
    ["text/plain", "name=x"],
    ["application/x-www-form-urlencoded", "name=x&count=1"],
    [undefined, JSON.stringify({ name: "x", count: 1 })],
  ])("answers a %s body on a JSON route with 415 instead of validating {}", async (contentType, body) => {
    const response = await postEcho(body, contentType);
    expect(response.status).toBe(415);
    expect((await problemOf(response)).code).toBe("unsupported_media_type");
  });

  it("answers an oversized body with 413 before reading it", async () => {
    const huge = JSON.stringify({ name: "x".repeat(5000), count: 1 });
    const response = await postEcho(huge, "application/json");
    expect(response.status).toBe(413);
    expect((await problemOf(response)).code).toBe("payload_too_large");
  });

  it("limits a streamed body that declares no Content-Length", async () => {
    const chunks = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(`{"name":"${"x".repeat(5000)}"}`));
        controller.close();
      },
    });
    const streamed = await ctx.app.request("/__probe/echo", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: chunks,
      duplex: "half",
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect((await problemOf(streamed)).code).toBe("payload_too_large");
  });

  it("answers a crash with a bare 500 that leaks nothing, and logs it once with the request id", async () => {
    const response = await ctx.app.request("/__probe/crash", { headers: { "X-Request-Id": "crash-1" } });
    expect(response.status).toBe(500);
    const text = await response.clone().text();
    expect(text).not.toContain("hunter2");
    expect(text).not.toContain("at ");
    const problem = await problemOf(response);
    expect(problem).toMatchObject({ status: 500, detail: "internal error", requestId: "crash-1" });
    const errorLines = ctx.logs.filter(
      (line) => line.code === "internal_error" && line.requestId === "crash-1",
    );
    expect(errorLines).toHaveLength(1);
  });
});
