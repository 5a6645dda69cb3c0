import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sessionKey } from "../../src/features/auth/session-keys.ts";
import { createUser, freshIp, login } from "../support/factories.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";

/**
 * REFRESH_REUSE_GRACE_SECONDS: a single-page app refreshes on every page load, so two tabs of one
 * browser present the same cookie at the same moment. The token rotated within the grace period
 * is answered again with the same successor; any other reuse still revokes the family.
 */
const GRACE_SECONDS = 10;
let clockOffsetMs = 0;
let ctx: TestContext;
let withoutGrace: TestContext;
beforeAll(async () => {
  [ctx, withoutGrace] = await Promise.all([
    createTestContext({
      env: { TRUST_PROXY: "true", REFRESH_REUSE_GRACE_SECONDS: String(GRACE_SECONDS) },
      clock: { now: () => new Date(Date.now() + clockOffsetMs) },
    }),
    createTestContext({ env: { TRUST_PROXY: "true", REFRESH_REUSE_GRACE_SECONDS: "0" } }),
  ]);
});
afterAll(() => Promise.all([ctx.close(), withoutGrace.close()]));

interface Reply {
  status: number;
  refreshToken?: string;
  accessToken?: string;
  cookie: string | null;
}

async function refreshWithCookie(context: TestContext, refreshToken: string): Promise<Reply> {
  const response = await context.app.request("/v1/auth/refresh", {
    method: "POST",
    headers: {
      Cookie: `tix_refresh=${refreshToken}`,
      "Content-Type": "application/json",
      "X-Forwarded-For": freshIp(),
    },
    body: "{}",
  });
  const body = (await response.json()) as { refreshToken?: string; accessToken?: string };
  return { status: response.status, ...body, cookie: response.headers.get("Set-Cookie") };
}

const me = (context: TestContext, accessToken: string | undefined) =>
  context.app.request("/v1/me", { headers: { Authorization: `Bearer ${accessToken}` } });
const reuseWarnings = (context: TestContext) =>
  context.logs.filter((line) => line.reason === "refresh_token_reuse").length;

describe("two tabs refreshing one session (REFRESH_REUSE_GRACE_SECONDS)", () => {
  it("keeps both tabs signed in when they refresh the same cookie at once", async () => {
    const session = await login(ctx, await createUser(ctx));
    const [tabA, tabB] = await Promise.all([
      refreshWithCookie(ctx, session.refreshToken),
      refreshWithCookie(ctx, session.refreshToken),
    ]);
    expect([tabA.status, tabB.status]).toEqual([200, 200]);
    expect(tabA.refreshToken).toBe(tabB.refreshToken);
    expect(tabA.cookie).toContain(`tix_refresh=${tabA.refreshToken}`);
    expect(tabB.cookie).toContain(`tix_refresh=${tabA.refreshToken}`);
    expect((await me(ctx, tabA.accessToken)).status).toBe(200);
    expect((await me(ctx, tabB.accessToken)).status).toBe(200);
    // Whichever answer the browser kept, the next page load refreshes with a current token.
    expect((await refreshWithCookie(ctx, tabB.refreshToken as string)).status).toBe(200);
  });

  it("answers the token just rotated with the same successor until the grace period ends", async () => {
    const session = await login(ctx, await createUser(ctx));
    const first = await refreshWithCookie(ctx, session.refreshToken);
    const warningsBefore = reuseWarnings(ctx);
    try {
      clockOffsetMs = (GRACE_SECONDS / 2) * 1000;
      const late = await refreshWithCookie(ctx, session.refreshToken);
      expect(late.status).toBe(200);
      expect(late.refreshToken).toBe(first.refreshToken);
      expect(reuseWarnings(ctx)).toBe(warningsBefore);

      clockOffsetMs = GRACE_SECONDS * 1000;
      const tooLate = await refreshWithCookie(ctx, session.refreshToken);
      expect(tooLate.status).toBe(401);
      expect(tooLate.cookie).toMatch(/tix_refresh=;.*Max-Age=0/);
    } finally {
      clockOffsetMs = 0;
    }
    expect(reuseWarnings(ctx) - warningsBefore).toBe(1);
    const [sessionId] = session.refreshToken.split(".");
    expect(await ctx.deps.redis.exists(sessionKey(sessionId as string))).toBe(0);
    expect((await refreshWithCookie(ctx, first.refreshToken as string)).status).toBe(401);
  });

  it("covers only the token just rotated: an older one still revokes the family at once", async () => {
    const session = await login(ctx, await createUser(ctx));
    const first = await refreshWithCookie(ctx, session.refreshToken);
    const second = await refreshWithCookie(ctx, first.refreshToken as string);
    expect(second.status).toBe(200);
    const warningsBefore = reuseWarnings(ctx);

    expect((await refreshWithCookie(ctx, session.refreshToken)).status).toBe(401);
    expect(reuseWarnings(ctx) - warningsBefore).toBe(1);
    expect((await refreshWithCookie(ctx, second.refreshToken as string)).status).toBe(401);
    expect((await me(ctx, second.accessToken)).status).toBe(401);
  });

  it("with the grace period off (0), lets exactly one of concurrent refreshes through and revokes", async () => {
    const session = await login(withoutGrace, await createUser(withoutGrace));
    const warningsBefore = reuseWarnings(withoutGrace);
    const replies = await Promise.all(
      Array.from({ length: 8 }, () => refreshWithCookie(withoutGrace, session.refreshToken)),
    );
    const winners = replies.filter((reply) => reply.status === 200);
    expect(winners).toHaveLength(1);
    expect(replies.filter((reply) => reply.status === 401)).toHaveLength(7);
    expect(reuseWarnings(withoutGrace) - warningsBefore).toBe(7);
    expect((await refreshWithCookie(withoutGrace, winners[0]?.refreshToken as string)).status).toBe(401);
    expect((await me(withoutGrace, winners[0]?.accessToken)).status).toBe(401);
  });
});
