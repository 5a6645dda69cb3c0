import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../src/config/parse.ts";
import { DEVELOPMENT_JWT_SECRET } from "../../src/config/schema.ts";
import { HTTP_DURATION_BUCKETS } from "../../src/lib/metrics/prometheus-metrics.ts";
import { getTicket, reportTicket } from "../support/factories/tickets.ts";
import { signedIn } from "../support/factories.ts";
import { parseExposition, type Sample, sampleValue } from "../support/prometheus-text.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";

const TOKEN = "metrics-token-for-tests-0123456789abcdef";

let ctx: TestContext;
let unguarded: TestContext;
beforeAll(async () => {
  [ctx, unguarded] = await Promise.all([
    createTestContext({ env: { TRUST_PROXY: "true", METRICS_TOKEN: TOKEN } }),
    createTestContext(),
  ]);
});
afterAll(() => Promise.all([ctx.close(), unguarded.close()]));

async function scrape(): Promise<Sample[]> {
  const response = await ctx.app.request("/metrics", { headers: { Authorization: `Bearer ${TOKEN}` } });
  expect(response.status).toBe(200);
  return parseExposition(await response.text());
}

describe("GET /metrics", () => {
  it("does not exist without METRICS_TOKEN: a 404 like any unknown path", async () => {
    const response = await unguarded.app.request("/metrics", {
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    expect(response.status).toBe(404);
    expect(response.headers.get("Content-Type")).toBe("application/problem+json");
    expect(((await response.json()) as { code: string }).code).toBe("route_not_found");
  });

  it("answers 401 problem+json without the token or with a wrong one, and 200 with the right one", async () => {
    const cases: [Record<string, string>, number][] = [
      [{}, 401],
      [{ Authorization: `Bearer ${TOKEN}x` }, 401],
      [{ Authorization: `Bearer ${TOKEN.slice(0, -1)}` }, 401],
      [{ Authorization: TOKEN }, 401],
      [{ Authorization: `Basic ${btoa(`metrics:${TOKEN}`)}` }, 401],
      [{ Authorization: `Bearer ${TOKEN}` }, 200],
      [{ Authorization: `bearer ${TOKEN}` }, 200],
    ];
    for (const [headers, status] of cases) {
      const response = await ctx.app.request("/metrics", { headers });
      expect(response.status, JSON.stringify(headers)).toBe(status);
      if (status === 401) {
        expect(response.headers.get("Content-Type")).toBe("application/problem+json");
        expect(response.headers.get("WWW-Authenticate")).toBe("Bearer");
        const body = await response.text();
        expect(body).not.toContain(TOKEN);
        expect(body).not.toContain("tixgenius_");
      } else {
        expect(response.headers.get("Content-Type")).toBe("text/plain; version=0.0.4; charset=utf-8");
        expect(response.headers.get("Cache-Control")).toBe("no-store");
      }
    }
  });

  it("is not in the public OpenAPI document", async () => {
    const document = (await (await ctx.app.request("/openapi.json")).json()) as { paths: object };
    expect(Object.keys(document.paths)).not.toContain("/metrics");
  });

  it("serves process figures read at scrape time", async () => {
    const samples = await scrape();
    expect(sampleValue(samples, "process_resident_memory_bytes")).toBeGreaterThan(0);
    expect(sampleValue(samples, "nodejs_heap_used_bytes")).toBeGreaterThan(0);
  });
});

describe("request metrics", () => {
  it("count each request under its route template and status, and move the duration histogram as much", async () => {
    const { session } = await signedIn(ctx, "reporter");
    const ticket = await reportTicket(ctx, session);
    const found = { method: "GET", route: "/v1/tickets/:id", status: "200" };
    const missing = { ...found, status: "404" };
    const before = await scrape();

    for (let n = 0; n < 3; n++) expect((await getTicket(ctx, session, ticket.id)).status).toBe(200);
    expect((await getTicket(ctx, session, randomUUID())).status).toBe(404);

    const after = await scrape();
    const delta = (name: string, labels: Record<string, string>) =>
      sampleValue(after, name, labels) - sampleValue(before, name, labels);
    expect(delta("tixgenius_http_requests_total", found)).toBe(3);
    expect(delta("tixgenius_http_requests_total", missing)).toBe(1);
    expect(delta("tixgenius_http_request_duration_seconds_count", found)).toBe(3);
    expect(delta("tixgenius_http_request_duration_seconds_bucket", { ...found, le: "+Inf" })).toBe(3);
    // Every one of them answered within 10 s, so each landed in a finite bucket.
    expect(delta("tixgenius_http_request_duration_seconds_bucket", { ...found, le: "10" })).toBe(3);
    expect(delta("tixgenius_http_request_duration_seconds_sum", found)).toBeGreaterThan(0);
    const buckets = after.filter(
      (sample) =>
        sample.name === "tixgenius_http_request_duration_seconds_bucket" &&
        sample.labels.route === found.route &&
        sample.labels.status === "200",
    );
    expect(buckets.map((sample) => sample.labels.le)).toEqual([...HTTP_DURATION_BUCKETS.map(String), "+Inf"]);
    // The raw path never becomes a label value: series stay bounded by the routes.
    const routes = new Set(after.map((sample) => sample.labels.route).filter(Boolean));
    expect([...routes].some((route) => route?.includes(ticket.id))).toBe(false);
  });

  it("keeps unknown paths and methods to a bounded set of label values", async () => {
    const before = await scrape();
    for (const path of ["/nowhere", `/nowhere/${randomUUID()}`, `/v1/${randomUUID()}`]) {
      expect((await ctx.app.request(path)).status).toBe(404);
    }
    expect((await ctx.app.request("/health", { method: "PROPFIND" })).status).toBe(405);
    const after = await scrape();

    const routesOf404 = new Set(
      after
        .filter((sample) => sample.name === "tixgenius_http_requests_total" && sample.labels.status === "404")
        .map((sample) => sample.labels.route),
    );
    for (const route of routesOf404) expect(route).toMatch(/^(\/\*|\/v1\/\*|\/v1\/tickets\/:id)$/);
    const methods = new Set(after.map((sample) => sample.labels.method).filter(Boolean));
    expect(methods).toContain("OTHER");
    expect(methods).not.toContain("PROPFIND");
    const total = (samples: Sample[]) =>
      samples
        .filter(
          (sample) => sample.name === "tixgenius_http_requests_total" && sample.labels.route !== "/metrics",
        )
        .reduce((sum, sample) => sum + sample.value, 0);
    expect(total(after) - total(before)).toBe(4);
  });

  it("counts the scrapes themselves under /metrics", async () => {
    const labels = { method: "GET", route: "/metrics", status: "200" };
    const first = sampleValue(await scrape(), "tixgenius_http_requests_total", labels);
    const second = sampleValue(await scrape(), "tixgenius_http_requests_total", labels);
    expect(second - first).toBe(1);
  });
});

describe("METRICS_TOKEN", () => {
  const base = {
    NODE_ENV: "production",
    JWT_SECRET: "a-production-secret-that-is-long-enough-0123456789",
    DATABASE_URL: "postgres://db.example/tix",
    UPSTASH_REDIS_REST_URL: "https://redis.example",
    UPSTASH_REDIS_REST_TOKEN: "upstash-token",
    SMTP_URL: "smtps://user:pw@smtp.example:465",
    APP_URL: "https://app.example",
  };

  it("must be at least 32 characters when deployed", () => {
    const short = () => parseConfig({ ...base, METRICS_TOKEN: "too-short" });
    expect(short).toThrow(ConfigError);
    expect(short).toThrow(/METRICS_TOKEN: must be at least 32 characters/);
    expect(() => parseConfig({ ...base, NODE_ENV: "staging", METRICS_TOKEN: "too-short" })).toThrow(
      ConfigError,
    );
    expect(parseConfig({ ...base, METRICS_TOKEN: TOKEN }).METRICS_TOKEN).toBe(TOKEN);
    expect(parseConfig(base).METRICS_TOKEN).toBeUndefined();
  });

  it("may be short in development, and empty means unset", () => {
    const development = { JWT_SECRET: DEVELOPMENT_JWT_SECRET };
    expect(parseConfig({ ...development, METRICS_TOKEN: "dev" }).METRICS_TOKEN).toBe("dev");
    expect(parseConfig({ ...development, METRICS_TOKEN: "" }).METRICS_TOKEN).toBeUndefined();
  });
});
