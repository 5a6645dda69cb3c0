import { eq, like } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { teams, tickets, users } from "../../src/db/schema.ts";
import { createDoorContext } from "../support/door.ts";
import { freshIp, jsonRequest, type Session, signedIn } from "../support/factories.ts";
import type { TestContext } from "../support/test-context.ts";

let ctx: TestContext;
let reporter: { user: { id: string }; session: Session };
beforeAll(async () => {
  ctx = await createDoorContext({ env: { TRUST_PROXY: "true" } });
  reporter = await signedIn(ctx, "reporter");
});
afterAll(() => ctx.close());

async function problemOf(response: Response) {
  expect(response.headers.get("Content-Type")).toBe("application/problem+json");
  return (await response.json()) as { status: number; code: string; errors?: { path: string }[] };
}

const ticketsOf = (reporterId: string) =>
  ctx.deps.db.select().from(tickets).where(eq(tickets.reporterId, reporterId));

describe("bodies", () => {
  it("answers an oversized body with 413 problem, storing nothing", async () => {
    const huge = JSON.stringify({ title: "big", description: "x".repeat(ctx.config.MAX_BODY_BYTES) });
    const response = await ctx.app.request(
      "/v1/tickets",
      jsonRequest("POST", JSON.parse(huge), reporter.session.headers),
    );
    expect(response.status).toBe(413);
    expect((await problemOf(response)).code).toBe("payload_too_large");
    expect(await ticketsOf(reporter.user.id)).toHaveLength(0);
  });

  it("limits a streamed body that declares no Content-Length, storing nothing", async () => {
    const oversized = new TextEncoder().encode(
      JSON.stringify({ title: "big", description: "x".repeat(ctx.config.MAX_BODY_BYTES) }),
    );
    const chunks = new ReadableStream({
      start(controller) {
        for (let at = 0; at < oversized.length; at += 16_384)
          controller.enqueue(oversized.slice(at, at + 16_384));
        controller.close();
      },
    });
    const response = await ctx.app.request("/v1/tickets", {
      method: "POST",
      headers: { ...reporter.session.headers, "Content-Type": "application/json" },
      body: chunks,
      duplex: "half",
    } as RequestInit);
    expect(response.status).toBe(413);
    expect((await problemOf(response)).code).toBe("payload_too_large");
    expect(await ticketsOf(reporter.user.id)).toHaveLength(0);
  });

  it("answers malformed JSON with 400 malformed_json, storing nothing", async () => {
    const response = await ctx.app.request("/v1/tickets", {
      method: "POST",
      headers: { ...reporter.session.headers, "Content-Type": "application/json" },
      body: '{"title": "x",',
    });
    expect(response.status).toBe(400);
    expect((await problemOf(response)).code).toBe("malformed_json");
    expect(await ticketsOf(reporter.user.id)).toHaveLength(0);
  });

  it.each([
    ["text/plain", "title=x"],
    ["application/x-www-form-urlencoded", "title=x"],
    [undefined, JSON.stringify({ title: "x" })],
  ])("answers a %s body with 415 instead of validating {}, storing nothing", async (contentType, body) => {
    const response = await ctx.app.request("/v1/tickets", {
      method: "POST",
      headers: { ...reporter.session.headers, ...(contentType ? { "Content-Type": contentType } : {}) },
      body,
    });
    expect(response.status).toBe(415);
    expect((await problemOf(response)).code).toBe("unsupported_media_type");
    expect(await ticketsOf(reporter.user.id)).toHaveLength(0);
  });

  it("answers malformed UTF-8 in a JSON body with 400 problem instead of storing U+FFFD", async () => {
    const prefix = new TextEncoder().encode('{"title":"caf');
    const body = new Uint8Array([...prefix, 0xc3, 0x28, 0x22, 0x7d]);
    const response = await ctx.app.request("/v1/tickets", {
      method: "POST",
      headers: { ...reporter.session.headers, "Content-Type": "application/json" },
      body,
    });
    expect(response.status).toBe(400);
    expect((await problemOf(response)).code).toBe("malformed_json");
    expect(await ticketsOf(reporter.user.id)).toHaveLength(0);
  });

  it("still reads well-formed multi-byte UTF-8", async () => {
    const response = await ctx.app.request(
      "/v1/me",
      jsonRequest("PATCH", { name: "Zoë 测试 👩🏽‍💻" }, reporter.session.headers),
    );
    expect(response.status).toBe(200);
    expect(((await response.json()) as { name: string }).name).toBe("Zoë 测试 👩🏽‍💻");
  });

  it.each([
    ["a NUL character", { title: "a\u0000b" }],
    ["a NUL character in the description", { title: "ok", description: "x\u0000" }],
  ])("answers %s in a stored text with 400 unstorable_character, not 500", async (_label, body) => {
    const response = await ctx.app.request(
      "/v1/tickets",
      jsonRequest("POST", body, reporter.session.headers),
    );
    expect(response.status).toBe(400);
    expect((await problemOf(response)).code).toBe("unstorable_character");
    expect(await ticketsOf(reporter.user.id)).toHaveLength(0);
  });

  it("answers a lone surrogate that would reach a jsonb audit row with 400, changing nothing", async () => {
    const response = await ctx.app.request(
      "/v1/me",
      jsonRequest("PATCH", { name: "au\ud800to" }, reporter.session.headers),
    );
    expect(response.status).toBe(400);
    expect((await problemOf(response)).code).toBe("unstorable_character");
    const [row] = await ctx.deps.db.select().from(users).where(eq(users.id, reporter.user.id));
    expect(row?.name).not.toContain("au");
  });

  it("answers a lone surrogate in a stored text with 400, never storing U+FFFD in its place", async () => {
    const { session } = await signedIn(ctx, "manager");
    for (const name of ["\udfff", "team \ud800"]) {
      const response = await ctx.app.request("/v1/teams", jsonRequest("POST", { name }, session.headers));
      expect(response.status, JSON.stringify(name)).toBe(400);
      expect((await problemOf(response)).code).toBe("unstorable_character");
    }
    const stored = await ctx.deps.db.select().from(teams).where(like(teams.name, "%\ufffd%"));
    expect(stored).toHaveLength(0);
  });

  it("answers a NUL character in a query parameter with 400, not 500", async () => {
    for (const query of ["/v1/tickets?q=a%00b", "/v1/audit-log?action=a%00"]) {
      const { session } = await signedIn(ctx, "admin");
      const response = await ctx.app.request(query, { headers: session.headers });
      expect(response.status, query).toBe(400);
      await problemOf(response);
    }
  });

  it("refuses duplicate keys by validating the value that wins (the last one)", async () => {
    const response = await ctx.app.request("/v1/me", {
      method: "PATCH",
      headers: { ...reporter.session.headers, "Content-Type": "application/json" },
      body: '{"name":"First","name":{"nested":true}}',
    });
    expect(response.status).toBe(400);
    expect((await problemOf(response)).errors?.map((error) => error.path)).toContain("body.name");
  });
});

describe("refresh before validation", () => {
  it.each(["null", "[]", "1", '"token"'])(
    "POST /v1/auth/refresh with the JSON body %s is a 400, not 500",
    async (body) => {
      const response = await ctx.app.request("/v1/auth/refresh", {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-Forwarded-For": freshIp() },
        body,
      });
      expect(response.status).toBe(400);
      await problemOf(response);
    },
  );
});

describe("limit", () => {
  it.each(["1e6", "1000000", "101", "0", "-1", "abc", "2.5"])(
    "limit=%s is a 400 (documented: never clamped)",
    async (limit) => {
      const response = await ctx.app.request(`/v1/tickets?limit=${limit}`, {
        headers: reporter.session.headers,
      });
      expect(response.status).toBe(400);
      expect((await problemOf(response)).errors?.map((error) => error.path)).toContain("query.limit");
    },
  );

  it("accepts the documented bounds 1 and 100", async () => {
    for (const limit of [1, 100]) {
      const response = await ctx.app.request(`/v1/tickets?limit=${limit}`, {
        headers: reporter.session.headers,
      });
      expect(response.status).toBe(200);
    }
  });
});
