import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { freshIp, jsonRequest, uniqueEmail } from "../support/factories.ts";
import { createUser, login } from "./support/accounts.ts";
import { workerFetchWith } from "./support/requests.ts";

/**
 * The same Worker with its Upstash endpoint down: nothing listens on port 1 of the loopback, so
 * every Redis call is refused (a fresh env object is a fresh isolate-level parse of the config).
 */
const redisDown = { ...env, UPSTASH_REDIS_REST_URL: "http://127.0.0.1:1" };
/** RATE_LIMIT_TIMEOUT_MS's default, which the bindings leave as it is, and room for a loaded machine. */
const LOGIN_BOUND_MS = 300 + 1000;

/** …and with its PostgreSQL refusing connections instead. */
const postgresDown = { ...env, DATABASE_URL: "postgres://nobody@127.0.0.1:1/nothing" };

const fetchWith = (bindings: typeof env, path: string, init?: RequestInit) =>
  workerFetchWith(bindings, path, init);

const fetchWithRedisDown = (path: string, init?: RequestInit) => fetchWith(redisDown, path, init);

async function expectUnavailable(response: Response): Promise<void> {
  expect(response.status).toBe(503);
  expect(response.headers.get("Content-Type")).toBe("application/problem+json");
  expect(Number(response.headers.get("Retry-After"))).toBeGreaterThan(0);
  expect(await response.json()).toMatchObject({ status: 503, code: "service_unavailable" });
}

describe("Redis down inside workerd", () => {
  it("refuses login, registration and refresh with 503, and still serves authenticated reads", async () => {
    const user = await createUser();
    const session = await login(user);
    const from = () => ({ "CF-Connecting-IP": freshIp() });

    const started = Date.now();
    await expectUnavailable(
      await fetchWithRedisDown(
        "/v1/auth/login",
        jsonRequest("POST", { email: user.email, password: user.password }, from()),
      ),
    );
    expect(Date.now() - started).toBeLessThan(LOGIN_BOUND_MS);
    await expectUnavailable(
      await fetchWithRedisDown(
        "/v1/auth/register",
        jsonRequest(
          "POST",
          { email: uniqueEmail("workerd"), password: user.password, name: "Nobody" },
          from(),
        ),
      ),
    );
    await expectUnavailable(
      await fetchWithRedisDown(
        "/v1/auth/refresh",
        jsonRequest("POST", { refreshToken: session.refreshToken }, from()),
      ),
    );

    for (const path of ["/v1/me", "/v1/tickets?limit=5"]) {
      const read = await fetchWithRedisDown(path, { headers: session.headers });
      expect(read.status, path).toBe(200);
      expect(read.headers.get("RateLimit")).toBeNull();
    }
    const ready = await fetchWithRedisDown("/ready");
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({
      checks: { redis: { status: "down" }, postgres: { status: "up" } },
    });
  });
});

describe("PostgreSQL down inside workerd", () => {
  it("answers reads and writes with a 503 problem, and /ready names postgres", async () => {
    const session = await login(await createUser());

    await expectUnavailable(await fetchWith(postgresDown, "/v1/me", { headers: session.headers }));
    await expectUnavailable(
      await fetchWith(
        postgresDown,
        "/v1/tickets",
        jsonRequest("POST", { title: "Never stored" }, session.headers),
      ),
    );
    const ready = await fetchWith(postgresDown, "/ready");
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({
      checks: { postgres: { status: "down" }, redis: { status: "up" } },
    });
  });
});
