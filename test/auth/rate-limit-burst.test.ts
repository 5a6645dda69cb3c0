import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUser, freshIp, jsonRequest, login, uniqueEmail } from "../support/factories.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";

/**
 * Every limit in auth is a check and a count on a shared Redis counter. Requests fired at once
 * must not all read "attempts left" before any of them is counted: exactly the limit passes,
 * however many arrive together. The Redis deadline is raised so that a busy machine answers
 * slowly rather than with 503 (failing closed), which would hide a race as a refusal.
 */
const BURST = 12;
const LIMIT = 3;
const slowRedisIsFine = { TRUST_PROXY: "true", RATE_LIMIT_TIMEOUT_MS: "5000" };

let ctx: TestContext;
let anonymousOnly: TestContext;
beforeAll(async () => {
  [ctx, anonymousOnly] = await Promise.all([
    createTestContext({
      env: {
        ...slowRedisIsFine,
        RATE_LIMIT_LOGIN: `${LIMIT}/900`,
        RATE_LIMIT_REGISTER: `${LIMIT}/3600`,
        RATE_LIMIT_REFRESH: `${LIMIT}/60`,
        RATE_LIMIT_ANONYMOUS: "1000/60",
      },
    }),
    createTestContext({
      env: { ...slowRedisIsFine, RATE_LIMIT_ANONYMOUS: `${LIMIT}/60`, RATE_LIMIT_LOGIN: "1000/900" },
    }),
  ]);
});
afterAll(() => Promise.all([ctx.close(), anonymousOnly.close()]));

const statusesOf = async (requests: (Response | Promise<Response>)[]) =>
  (await Promise.all(requests)).map((response) => response.status);
const tally = (statuses: number[]) =>
  statuses.reduce<Record<number, number>>((counts, status) => {
    counts[status] = (counts[status] ?? 0) + 1;
    return counts;
  }, {});
const loginFrom = (app: TestContext["app"], ip: string, email: string, password: string) =>
  app.request("/v1/auth/login", jsonRequest("POST", { email, password }, { "X-Forwarded-For": ip }));

describe("a burst of requests at once lets exactly the limit through", () => {
  it("login, per IP: wrong passwords for many emails from one address", async () => {
    const ip = freshIp();
    const statuses = await statusesOf(
      Array.from({ length: BURST }, () => loginFrom(ctx.app, ip, uniqueEmail("burst"), "wrong password!")),
    );
    expect(tally(statuses)).toEqual({ 401: LIMIT, 429: BURST - LIMIT });
  });

  it("login, per IP and email: one account guessed at once, the right password among the guesses", async () => {
    const user = await createUser(ctx);
    const ip = freshIp();
    const guesses = Array.from({ length: BURST }, (_, index) =>
      index === BURST - 2 ? user.password : `wrong password ${index}`,
    );
    const statuses = await statusesOf(guesses.map((guess) => loginFrom(ctx.app, ip, user.email, guess)));
    // The right guess may be among those let through (200) or not (429), never beyond the limit.
    expect(statuses.filter((status) => status !== 429)).toHaveLength(LIMIT);
    expect(statuses.every((status) => [200, 401, 429].includes(status))).toBe(true);
  });

  it("register, per IP", async () => {
    const ip = freshIp();
    const statuses = await statusesOf(
      Array.from({ length: BURST }, () =>
        ctx.app.request(
          "/v1/auth/register",
          jsonRequest(
            "POST",
            { email: uniqueEmail("burst"), password: "a long enough passphrase 7", name: "Burst" },
            { "X-Forwarded-For": ip },
          ),
        ),
      ),
    );
    expect(tally(statuses)).toEqual({ 201: LIMIT, 429: BURST - LIMIT });
  });

  it("refresh, per session: one valid token presented at once from many addresses", async () => {
    const session = await login(ctx, await createUser(ctx));
    const statuses = await statusesOf(
      Array.from({ length: BURST }, () =>
        ctx.app.request(
          "/v1/auth/refresh",
          jsonRequest("POST", { refreshToken: session.refreshToken }, { "X-Forwarded-For": freshIp() }),
        ),
      ),
    );
    // Within the reuse grace period every presentation that passes the limit is answered.
    expect(tally(statuses)).toEqual({ 200: LIMIT, 429: BURST - LIMIT });
  });

  it("refresh, per IP: tokens that prove nothing, from one address", async () => {
    const ip = freshIp();
    const statuses = await statusesOf(
      Array.from({ length: BURST }, () =>
        ctx.app.request(
          "/v1/auth/refresh",
          jsonRequest("POST", { refreshToken: `${crypto.randomUUID()}.forged` }, { "X-Forwarded-For": ip }),
        ),
      ),
    );
    expect(tally(statuses)).toEqual({ 401: LIMIT, 429: BURST - LIMIT });
  });

  it("anonymous calls, per IP: logins from one address", async () => {
    const ip = freshIp();
    const responses = await Promise.all(
      Array.from({ length: BURST }, () =>
        loginFrom(anonymousOnly.app, ip, uniqueEmail("burst"), "wrong password!"),
      ),
    );
    expect(tally(responses.map((response) => response.status))).toEqual({ 401: LIMIT, 429: BURST - LIMIT });
    for (const refused of responses.filter((response) => response.status === 429)) {
      expect(refused.headers.get("RateLimit")).toMatch(/"anonymous";r=0;/);
    }
  });
});
