import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUser, login, type Session, type TestUser } from "../support/factories.ts";
import {
  type ForgeryTarget,
  forgeAccessToken,
  REJECTED_AUTHORIZATIONS,
  recentlyExpiredToken,
} from "../support/jwt-attack-cases.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";

let ctx: TestContext;
let user: TestUser;
let session: Session;
let target: ForgeryTarget;

beforeAll(async () => {
  ctx = await createTestContext({ env: { TRUST_PROXY: "true" } });
  user = await createUser(ctx);
  session = await login(ctx, user);
  target = {
    secret: ctx.config.JWT_SECRET,
    issuer: ctx.config.JWT_ISSUER,
    audience: ctx.config.JWT_AUDIENCE,
    userId: user.id,
    sessionId: session.refreshToken.split(".")[0] as string,
    accessToken: session.accessToken,
    refreshToken: session.refreshToken,
    otherUserId: (await createUser(ctx, { role: "admin" })).id,
  };
});
afterAll(() => ctx.close());

const callMe = (authorization: string | undefined) =>
  ctx.app.request("/v1/me", { headers: authorization === undefined ? {} : { Authorization: authorization } });

async function expectRejected(authorization: string | undefined) {
  const response = await callMe(authorization);
  expect(response.status).toBe(401);
  expect(response.headers.get("WWW-Authenticate")).toMatch(/^Bearer/);
  expect(response.headers.get("Content-Type")).toBe("application/problem+json");
}

describe("access tokens that must be rejected with 401 and WWW-Authenticate: Bearer", () => {
  it("accepts the genuine and a well-forged token (the control case)", async () => {
    expect((await callMe(`Bearer ${session.accessToken}`)).status).toBe(200);
    expect((await callMe(`Bearer ${await forgeAccessToken(target)}`)).status).toBe(200);
  });

  it.each(REJECTED_AUTHORIZATIONS)("%s", async (_name, build) => expectRejected(await build(target)));

  it("a session id that belongs to another user", async () => {
    const other = await login(ctx, await createUser(ctx));
    await expectRejected(
      `Bearer ${await forgeAccessToken(target, { claims: { sid: other.refreshToken.split(".")[0] } })}`,
    );
  });

  it("a token of an ended session", async () => {
    const ended = await login(ctx, user);
    await ctx.app.request("/v1/auth/logout", { method: "POST", headers: ended.headers });
    await expectRejected(`Bearer ${ended.accessToken}`);
  });

  it("a token of a user disabled afterwards", async () => {
    const victim = await createUser(ctx);
    const victimSession = await login(ctx, victim);
    const admin = await login(ctx, await createUser(ctx, { role: "admin" }));
    const disabled = await ctx.app.request(`/v1/users/${victim.id}`, {
      method: "PATCH",
      headers: { ...admin.headers, "Content-Type": "application/json" },
      body: JSON.stringify({ status: "disabled" }),
    });
    expect(disabled.status).toBe(200);
    await expectRejected(`Bearer ${victimSession.accessToken}`);
  });
});

describe("clock skew", () => {
  it("tolerates a token that expired less than 30 s ago", async () => {
    expect((await callMe(`Bearer ${await recentlyExpiredToken(target)}`)).status).toBe(200);
  });
});
