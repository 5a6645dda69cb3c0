import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sessionKey } from "../../src/features/auth/session-keys.ts";
import { createUser, freshIp, jsonRequest, login } from "../support/factories.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";

const IDLE_SECONDS = 3600;
const ABSOLUTE_SECONDS = 3 * IDLE_SECONDS;
let offsetMs = 0;
let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext({
    env: {
      TRUST_PROXY: "true",
      REFRESH_IDLE_TTL_SECONDS: String(IDLE_SECONDS),
      REFRESH_ABSOLUTE_TTL_SECONDS: String(ABSOLUTE_SECONDS),
    },
    clock: { now: () => new Date(Date.now() + offsetMs) },
  });
});
afterAll(() => ctx.close());

const refresh = (refreshToken: string) =>
  ctx.app.request(
    "/v1/auth/refresh",
    jsonRequest("POST", { refreshToken }, { "X-Forwarded-For": freshIp() }),
  );

describe("refresh token lifetimes", () => {
  it("expires a session after its idle lifetime: Redis holds it no longer than that", async () => {
    offsetMs = 0;
    const session = await login(ctx, await createUser(ctx));
    const sessionId = session.refreshToken.split(".")[0] as string;
    const ttl = await ctx.deps.redis.pttl(sessionKey(sessionId));
    expect(ttl).toBeGreaterThan((IDLE_SECONDS - 60) * 1000);
    expect(ttl).toBeLessThanOrEqual(IDLE_SECONDS * 1000);

    // Every refresh starts a new idle period: two refreshes each almost an idle lifetime apart...
    offsetMs = (IDLE_SECONDS - 60) * 1000;
    const rotated = await refresh(session.refreshToken);
    expect(rotated.status).toBe(200);
    expect(await ctx.deps.redis.pttl(sessionKey(sessionId))).toBeGreaterThan((IDLE_SECONDS - 60) * 1000);
    offsetMs = 2 * (IDLE_SECONDS - 60) * 1000;
    const again = await refresh(((await rotated.json()) as { refreshToken: string }).refreshToken);
    expect(again.status).toBe(200);

    // ...but a full idle lifetime without one ends the session, on the app's clock as in Redis.
    offsetMs += (IDLE_SECONDS + 1) * 1000;
    const idle = await refresh(((await again.json()) as { refreshToken: string }).refreshToken);
    expect(idle.status).toBe(401);
    expect(await ctx.deps.redis.exists(sessionKey(sessionId))).toBe(0);
    offsetMs = 0;
  });

  it("expires a session at its absolute lifetime however active it is", async () => {
    offsetMs = 0;
    let { refreshToken: current } = await login(ctx, await createUser(ctx));
    // Refreshed within every idle period, the session lives until its absolute end.
    for (
      let atSeconds = IDLE_SECONDS - 600;
      atSeconds < ABSOLUTE_SECONDS - 600;
      atSeconds += IDLE_SECONDS - 600
    ) {
      offsetMs = atSeconds * 1000;
      const kept = await refresh(current);
      expect(kept.status).toBe(200);
      current = ((await kept.json()) as { refreshToken: string }).refreshToken;
    }
    offsetMs = (ABSOLUTE_SECONDS - 600) * 1000;
    const nearTheEnd = await refresh(current);
    expect(nearTheEnd.status).toBe(200);
    const { refreshToken, accessToken } = (await nearTheEnd.json()) as {
      refreshToken: string;
      accessToken: string;
    };
    const sessionId = refreshToken.split(".")[0] as string;
    // Close to the absolute limit the idle window is cut short to what is left.
    expect(await ctx.deps.redis.pttl(sessionKey(sessionId))).toBeLessThanOrEqual(600 * 1000);

    offsetMs = (ABSOLUTE_SECONDS + 1) * 1000;
    const tooLate = await refresh(refreshToken);
    expect(tooLate.status).toBe(401);
    expect(await ctx.deps.redis.exists(sessionKey(sessionId))).toBe(0);
    // The access token itself is still within its 15 minutes here; only the ended session rejects it.
    expect(
      (await ctx.app.request("/v1/me", { headers: { Authorization: `Bearer ${accessToken}` } })).status,
    ).toBe(401);
    offsetMs = 0;
  });
});
