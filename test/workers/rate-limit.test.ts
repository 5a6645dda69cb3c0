import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { freshIp, jsonRequest, uniqueEmail } from "../support/factories.ts";
import { createUser } from "./support/accounts.ts";
import { workerFetch, workerFetchWith } from "./support/requests.ts";

// Every test signs in from its own random address: the windows live in Redis (the real one
// outlives the run), and on Workers the address is CF-Connecting-IP, set by Cloudflare's edge.
const attemptLogin = (email: string, password: string, ip: string, headers: Record<string, string> = {}) =>
  workerFetch(
    "/v1/auth/login",
    jsonRequest("POST", { email, password }, { ...headers, "CF-Connecting-IP": ip }),
  );

describe("login failures inside workerd (RATE_LIMIT_LOGIN 5/900)", () => {
  it("answers the 6th bad login from one address with 429, Retry-After and both RateLimit headers", async () => {
    const user = await createUser();
    const ip = freshIp();
    for (let attempt = 1; attempt <= 5; attempt++) {
      const response = await attemptLogin(user.email, "wrong password!", ip);
      expect(response.status).toBe(401);
      expect(response.headers.get("RateLimit")).toContain(`"login";r=${5 - attempt};t=`);
    }

    const blocked = await attemptLogin(user.email, "wrong password!", ip);

    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(blocked.headers.get("RateLimit-Policy")).toContain('"login";q=5;w=900');
    expect(blocked.headers.get("RateLimit")).toMatch(/"login";r=0;t=\d+/);
    expect(blocked.headers.get("Content-Type")).toBe("application/problem+json");
    expect(((await blocked.json()) as { code: string }).code).toBe("rate_limited");
    // Even the right password is refused until the window passes: no hashing for this caller.
    expect((await attemptLogin(user.email, user.password, ip)).status).toBe(429);
    // On Workers only Cloudflare's edge names the client: a forwarded-for header changes nothing.
    const spoofed = await attemptLogin(user.email, user.password, ip, { "X-Forwarded-For": freshIp() });
    expect(spoofed.status).toBe(429);
    expect((await attemptLogin(user.email, user.password, freshIp())).status).toBe(200);
  });

  it("counts failures per address across emails", async () => {
    const ip = freshIp();
    for (let attempt = 1; attempt <= 5; attempt++) {
      expect((await attemptLogin(uniqueEmail("nobody"), "wrong password!", ip)).status).toBe(401);
    }
    expect((await attemptLogin(uniqueEmail("nobody"), "wrong password!", ip)).status).toBe(429);
  });

  it("does not count successful logins", async () => {
    const user = await createUser();
    const ip = freshIp();
    for (let attempt = 1; attempt <= 7; attempt++) {
      expect((await attemptLogin(user.email, user.password, ip)).status).toBe(200);
    }
  });
});

describe("a burst of logins at once inside workerd", () => {
  it("lets exactly RATE_LIMIT_LOGIN wrong guesses through, the right password among them or not", async () => {
    // A generous Redis deadline: on a busy machine a 503 (failing closed) would hide a race.
    const patient = { ...env, RATE_LIMIT_TIMEOUT_MS: "5000" };
    const user = await createUser();
    const ip = freshIp();
    const guesses = Array.from({ length: 12 }, (_, index) =>
      index === 7 ? user.password : `wrong ${index}`,
    );

    const statuses = await Promise.all(
      guesses.map(async (password) => {
        const response = await workerFetchWith(
          patient,
          "/v1/auth/login",
          jsonRequest("POST", { email: user.email, password }, { "CF-Connecting-IP": ip }),
        );
        return response.status;
      }),
    );

    expect(statuses.filter((status) => status !== 429)).toHaveLength(5);
    expect(statuses.every((status) => [200, 401, 429].includes(status))).toBe(true);
  });
});
