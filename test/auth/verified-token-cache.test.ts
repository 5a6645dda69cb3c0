import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VerifiedTokenCache } from "../../src/features/auth/verified-tokens.ts";
import { createUser, login, type Session } from "../support/factories.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";

// The app remembers verified access tokens (src/features/auth/verified-tokens.ts): a token it has
// accepted once must still be judged on its lifetime, its session and its user at every request.
let ctx: TestContext;
let clockOffsetMs = 0;
beforeAll(async () => {
  ctx = await createTestContext({
    env: { TRUST_PROXY: "true" },
    clock: { now: () => new Date(Date.now() + clockOffsetMs) },
  });
});
afterAll(() => ctx.close());

const me = (session: Session, accessToken = session.accessToken) =>
  ctx.app.request("/v1/me", { headers: { Authorization: `Bearer ${accessToken}` } });

describe("an access token accepted before", () => {
  it("is refused once it has expired (beyond the 30 s skew)", async () => {
    clockOffsetMs = 0;
    const session = await login(ctx, await createUser(ctx));
    expect((await me(session)).status).toBe(200);
    try {
      clockOffsetMs = (ctx.config.ACCESS_TOKEN_TTL_SECONDS + 20) * 1000;
      expect((await me(session)).status).toBe(200);
      clockOffsetMs = (ctx.config.ACCESS_TOKEN_TTL_SECONDS + 31) * 1000;
      expect((await me(session)).status).toBe(401);
    } finally {
      clockOffsetMs = 0;
    }
  });

  it("is refused while the clock is behind its issue time by more than the skew", async () => {
    const session = await login(ctx, await createUser(ctx));
    expect((await me(session)).status).toBe(200);
    try {
      clockOffsetMs = -60_000;
      expect((await me(session)).status).toBe(401);
    } finally {
      clockOffsetMs = 0;
    }
  });

  it("does not vouch for the same token with another signature", async () => {
    const session = await login(ctx, await createUser(ctx));
    expect((await me(session)).status).toBe(200);
    const [header, payload, signature = ""] = session.accessToken.split(".");
    const flipped = signature.startsWith("A") ? `B${signature.slice(1)}` : `A${signature.slice(1)}`;
    expect((await me(session, `${header}.${payload}.${flipped}`)).status).toBe(401);
  });

  it("is refused at once after sign-out, and after its user is disabled", async () => {
    const user = await createUser(ctx);
    const signedOut = await login(ctx, user);
    const other = await login(ctx, user);
    expect((await me(signedOut)).status).toBe(200);
    expect((await me(other)).status).toBe(200);
    const logout = await ctx.app.request("/v1/auth/logout", { method: "POST", headers: signedOut.headers });
    expect(logout.status).toBe(204);
    expect((await me(signedOut)).status).toBe(401);

    const admin = await login(ctx, await createUser(ctx, { role: "admin" }));
    const disabled = await ctx.app.request(`/v1/users/${user.id}`, {
      method: "PATCH",
      headers: { ...admin.headers, "Content-Type": "application/json" },
      body: JSON.stringify({ status: "disabled" }),
    });
    expect(disabled.status).toBe(200);
    expect((await me(other)).status).toBe(401);
  });
});

describe("VerifiedTokenCache", () => {
  const entry = (expiresAt: number) => ({
    claims: { userId: "u", sessionId: "s" },
    issuedAt: expiresAt - 900,
    expiresAt,
  });

  it("holds at most its capacity, dropping the oldest token first", () => {
    const cache = new VerifiedTokenCache(3);
    const now = new Date(1_000_000 * 1000);
    for (const token of ["a", "b", "c", "d"]) cache.remember(token, entry(1_000_900));
    expect(cache.size).toBe(3);
    expect(cache.get("a", now, 30)).toBeUndefined();
    expect(cache.get("d", now, 30)).toEqual({ userId: "u", sessionId: "s" });
  });

  it("forgets a token once it is past its lifetime", () => {
    const cache = new VerifiedTokenCache(3);
    cache.remember("a", entry(1_000_900));
    expect(cache.get("a", new Date(1_000_929 * 1000), 30)).toBeDefined();
    expect(cache.get("a", new Date(1_000_930 * 1000), 30)).toBeUndefined();
    expect(cache.size).toBe(0);
  });
});
