import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../src/worker.ts";

const SECRET_VALUE = "too-short-but-private";
const PASSWORD_IN_URL = "hunter2-in-url";

function fetchWith(bindings: Record<string, unknown>, path = "/health"): Promise<Response> {
  return Promise.resolve(
    worker.fetch(new Request(`http://tixgenius.test${path}`), bindings, createExecutionContext()),
  );
}

describe("the Worker door with an invalid config", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("answers every request with a 500 problem that reveals no value, and logs the bad keys once", async () => {
    const logged: string[] = [];
    vi.spyOn(console, "error").mockImplementation((line: unknown) => void logged.push(String(line)));
    const badEnv = {
      ...env,
      JWT_SECRET: SECRET_VALUE,
      DATABASE_URL: `mysql://app:${PASSWORD_IN_URL}@db.internal/app`,
    };

    const responses = [await fetchWith(badEnv, "/health"), await fetchWith(badEnv, "/ready")];

    for (const response of responses) {
      const body = await response.text();
      expect(response.status).toBe(500);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      expect(JSON.parse(body)).toMatchObject({ status: 500, code: "invalid_configuration" });
      expect(body).not.toContain(SECRET_VALUE);
      expect(body).not.toContain(PASSWORD_IN_URL);
      expect(body).not.toMatch(/JWT_SECRET|DATABASE_URL/);
    }
    const configLogs = logged.filter((line) => line.includes("invalid configuration"));
    expect(configLogs).toHaveLength(1);
    expect(configLogs[0]).toMatch(/JWT_SECRET/);
    expect(configLogs[0]).toMatch(/DATABASE_URL/);
    expect(configLogs[0]).not.toContain(SECRET_VALUE);
    expect(configLogs[0]).not.toContain(PASSWORD_IN_URL);
  });

  it("requires the Upstash endpoint, which a Worker cannot embed, and names it with the other problems", async () => {
    const logged: string[] = [];
    vi.spyOn(console, "error").mockImplementation((line: unknown) => void logged.push(String(line)));
    const { UPSTASH_REDIS_REST_URL: _url, UPSTASH_REDIS_REST_TOKEN: _token, ...withoutRedis } = env;

    const response = await fetchWith({ ...withoutRedis, JWT_SECRET: SECRET_VALUE });

    expect(response.status).toBe(500);
    const log = logged.join("\n");
    for (const key of ["UPSTASH_REDIS_REST_URL", "UPSTASH_REDIS_REST_TOKEN", "JWT_SECRET"]) {
      expect(log).toContain(key);
    }
  });

  it("requires somewhere to keep attachments: the R2 binding, or S3 settings", async () => {
    const logged: string[] = [];
    vi.spyOn(console, "error").mockImplementation((line: unknown) => void logged.push(String(line)));
    const { ATTACHMENTS: _bucket, ...withoutBucket } = env;

    const response = await fetchWith({ ...withoutBucket });

    expect(response.status).toBe(500);
    expect(logged.join("\n")).toContain("ATTACHMENTS");
  });

  it("serves normally with the same values it was started with", async () => {
    const response = await fetchWith({ ...env });

    expect(response.status).toBe(200);
  });
});
