import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createUser,
  DEFAULT_PASSWORD,
  freshIp,
  jsonRequest,
  login,
  uniqueEmail,
} from "../support/factories.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";

let ctx: TestContext;
let clockOffsetMs = 0;
beforeAll(async () => {
  ctx = await createTestContext({
    env: { TRUST_PROXY: "true" },
    clock: { now: () => new Date(Date.now() + clockOffsetMs) },
  });
});
afterAll(() => ctx.close());

const me = (accessToken: string) =>
  ctx.app.request("/v1/me", { headers: { Authorization: `Bearer ${accessToken}` } });
const reuseWarnings = () => ctx.logs.filter((line) => line.reason === "refresh_token_reuse").length;
const refresh = (refreshToken: string) =>
  ctx.app.request(
    "/v1/auth/refresh",
    jsonRequest("POST", { refreshToken }, { "X-Forwarded-For": freshIp() }),
  );

describe("register → login → me → refresh → logout", () => {
  it("runs the whole flow a frontend runs", async () => {
    const email = uniqueEmail("flow");
    const registered = await ctx.app.request(
      "/v1/auth/register",
      jsonRequest(
        "POST",
        { email, password: DEFAULT_PASSWORD, name: "Flo W" },
        { "X-Forwarded-For": freshIp() },
      ),
    );
    expect(registered.status).toBe(201);
    const user = (await registered.json()) as Record<string, unknown>;
    expect(user).toMatchObject({ email, name: "Flo W", role: "reporter", status: "active", version: 1 });
    expect(JSON.stringify(user)).not.toMatch(/argon2|passwordHash/i);

    const loginResponse = await ctx.app.request(
      "/v1/auth/login",
      jsonRequest(
        "POST",
        { email: email.toUpperCase(), password: DEFAULT_PASSWORD },
        { "X-Forwarded-For": freshIp() },
      ),
    );
    expect(loginResponse.status).toBe(200);
    const pair = (await loginResponse.json()) as Record<string, unknown> & {
      accessToken: string;
      refreshToken: string;
    };
    expect(pair).toMatchObject({
      tokenType: "Bearer",
      expiresIn: 900,
      user: { id: user.id, email, role: "reporter" },
    });
    expect(pair.refreshToken.length).toBeGreaterThanOrEqual(43);
    const cookie = loginResponse.headers.get("Set-Cookie") ?? "";
    expect(cookie).toContain(`tix_refresh=${pair.refreshToken}`);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/Secure/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Path=\/v1\/auth/);

    const profile = await me(pair.accessToken);
    expect(profile.status).toBe(200);
    expect(((await profile.json()) as { id: string }).id).toBe(user.id);

    const renamed = await ctx.app.request("/v1/me", {
      ...jsonRequest("PATCH", { name: "Florence" }),
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${pair.accessToken}` },
    });
    expect(renamed.status).toBe(200);
    expect(await renamed.json()).toMatchObject({ name: "Florence", version: 2 });

    const rotated = await refresh(pair.refreshToken);
    expect(rotated.status).toBe(200);
    const next = (await rotated.json()) as { accessToken: string; refreshToken: string };
    expect(next.refreshToken).not.toBe(pair.refreshToken);
    expect((await me(next.accessToken)).status).toBe(200);

    const loggedOut = await ctx.app.request("/v1/auth/logout", {
      method: "POST",
      headers: { Authorization: `Bearer ${next.accessToken}` },
    });
    expect(loggedOut.status).toBe(204);
    expect(loggedOut.headers.get("Set-Cookie")).toMatch(/tix_refresh=;.*Max-Age=0/);
    // ASVS 7.4.1: the session is dead at once, access token included, not when it expires.
    const after = await me(next.accessToken);
    expect(after.status).toBe(401);
    expect(after.headers.get("WWW-Authenticate")).toMatch(/^Bearer/);
    expect((await refresh(next.refreshToken)).status).toBe(401);
  });

  it("refreshes from the cookie when the body has no token", async () => {
    const user = await createUser(ctx);
    const session = await login(ctx, user);
    const response = await ctx.app.request("/v1/auth/refresh", {
      method: "POST",
      headers: { Cookie: `tix_refresh=${session.refreshToken}`, "Content-Type": "application/json" },
      body: "{}",
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("Set-Cookie")).toContain("tix_refresh=");
  });
});

describe("refresh tokens (ASVS 7.2.3)", () => {
  it("carry 256 random bits, are unique per sign-in, and are stored only as a SHA-256 hash", async () => {
    const user = await createUser(ctx);
    const tokens = await Promise.all(
      Array.from({ length: 12 }, async () => (await login(ctx, user)).refreshToken),
    );
    expect(new Set(tokens).size).toBe(tokens.length);
    for (const token of tokens) {
      const [sessionId, secret] = token.split(".") as [string, string];
      expect(Buffer.from(secret, "base64url")).toHaveLength(32);
      const stored = await ctx.deps.redis.hgetall<Record<string, unknown>>(`tix:session:${sessionId}`);
      expect(String(stored?.rth)).toBe(createHash("sha256").update(token).digest("hex"));
      expect(JSON.stringify(stored)).not.toContain(secret);
    }
  });
});

describe("refresh token families (RFC 9700 §4.14.2)", () => {
  it("revokes the whole family when a used refresh token comes back after the grace period", async () => {
    const user = await createUser(ctx);
    const first = await login(ctx, user);
    const secondResponse = await refresh(first.refreshToken);
    const second = (await secondResponse.json()) as { accessToken: string; refreshToken: string };
    expect(secondResponse.status).toBe(200);

    const warningsBefore = reuseWarnings();
    clockOffsetMs = (ctx.config.REFRESH_REUSE_GRACE_SECONDS + 1) * 1000;
    try {
      const replay = await refresh(first.refreshToken);
      expect(replay.status).toBe(401);
      expect(((await replay.json()) as { code: string }).code).toBe("invalid_refresh_token");
    } finally {
      clockOffsetMs = 0;
    }
    expect(reuseWarnings() - warningsBefore).toBe(1);
    // The legitimate holder of the newer token is logged out too: the family is gone.
    expect((await refresh(second.refreshToken)).status).toBe(401);
    expect((await me(second.accessToken)).status).toBe(401);
  });

  it("rejects forged, malformed and foreign refresh tokens without revoking anything", async () => {
    const user = await createUser(ctx);
    const session = await login(ctx, user);
    const [sessionId] = session.refreshToken.split(".");
    for (const forged of [`${sessionId}.AAAA`, "not-a-token", `${crypto.randomUUID()}.abc`, ""]) {
      const response = await ctx.app.request(
        "/v1/auth/refresh",
        jsonRequest("POST", forged ? { refreshToken: forged } : {}, { "X-Forwarded-For": freshIp() }),
      );
      expect(response.status).toBe(401);
    }
    expect((await me(session.accessToken)).status).toBe(200);
    expect((await refresh(session.refreshToken)).status).toBe(200);
  });

  it("answers concurrent refreshes of one token with one successor, revoking nothing", async () => {
    const user = await createUser(ctx);
    const session = await login(ctx, user);
    const warningsBefore = reuseWarnings();
    const replies = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const response = await refresh(session.refreshToken);
        return { status: response.status, body: (await response.json()) as Record<string, string> };
      }),
    );
    expect(replies.map((reply) => reply.status)).toEqual(Array(8).fill(200));
    const successors = new Set(replies.map((reply) => reply.body.refreshToken));
    expect(successors.size).toBe(1);
    expect(reuseWarnings() - warningsBefore).toBe(0);
    for (const reply of replies) expect((await me(reply.body.accessToken as string)).status).toBe(200);
    // One family goes on: its one successor rotates, and the session is still the user's only one.
    expect((await refresh([...successors][0] as string)).status).toBe(200);
    const listed = await ctx.app.request("/v1/auth/sessions", { headers: session.headers });
    expect(((await listed.json()) as { data: unknown[] }).data).toHaveLength(1);
  });
});

describe("sessions", () => {
  it("lists my sessions with the current one marked, and revokes another", async () => {
    const user = await createUser(ctx);
    const laptop = await login(ctx, user, "203.0.113.10");
    const phone = await login(ctx, user, "203.0.113.20");
    const listed = await ctx.app.request("/v1/auth/sessions", { headers: laptop.headers });
    expect(listed.status).toBe(200);
    const { data, nextCursor } = (await listed.json()) as {
      data: { id: string; current: boolean; ip: string; userAgent: string }[];
      nextCursor: null;
    };
    expect(nextCursor).toBeNull();
    expect(data).toHaveLength(2);
    const current = data.find((session) => session.current);
    const other = data.find((session) => !session.current);
    expect(current?.ip).toBe("203.0.113.10");
    expect(other?.ip).toBe("203.0.113.20");
    expect(current?.userAgent).toBe("vitest");

    const revoked = await ctx.app.request(`/v1/auth/sessions/${other?.id}`, {
      method: "DELETE",
      headers: laptop.headers,
    });
    expect(revoked.status).toBe(204);
    expect((await me(phone.accessToken)).status).toBe(401);
    expect((await me(laptop.accessToken)).status).toBe(200);
  });

  it("answers 404 for another user's session, which stays alive", async () => {
    const alice = await login(ctx, await createUser(ctx));
    const bobUser = await createUser(ctx);
    const bob = await login(ctx, bobUser);
    const bobSessions = (await (
      await ctx.app.request("/v1/auth/sessions", { headers: bob.headers })
    ).json()) as {
      data: { id: string }[];
    };
    const bobSessionId = bobSessions.data[0]?.id;
    const attempt = await ctx.app.request(`/v1/auth/sessions/${bobSessionId}`, {
      method: "DELETE",
      headers: alice.headers,
    });
    expect(attempt.status).toBe(404);
    expect((await me(bob.accessToken)).status).toBe(200);
  });

  it("logout-all ends every session of the user and no one else's", async () => {
    const user = await createUser(ctx);
    const one = await login(ctx, user);
    const two = await login(ctx, user);
    const bystander = await login(ctx, await createUser(ctx));
    const response = await ctx.app.request("/v1/auth/logout-all", { method: "POST", headers: one.headers });
    expect(response.status).toBe(204);
    expect((await me(one.accessToken)).status).toBe(401);
    expect((await me(two.accessToken)).status).toBe(401);
    expect((await refresh(two.refreshToken)).status).toBe(401);
    expect((await me(bystander.accessToken)).status).toBe(200);
  });

  it("ends the session of the refresh cookie a new sign-in replaces (ASVS 7.2.4)", async () => {
    const user = await createUser(ctx);
    const earlier = await login(ctx, user);
    const signInAgain = (cookie: string) =>
      ctx.app.request(
        "/v1/auth/login",
        jsonRequest(
          "POST",
          { email: user.email, password: user.password },
          { "X-Forwarded-For": freshIp(), Cookie: `tix_refresh=${cookie}` },
        ),
      );
    const again = await signInAgain(earlier.refreshToken);
    expect(again.status).toBe(200);
    const fresh = (await again.json()) as { accessToken: string; refreshToken: string };
    expect(fresh.refreshToken.split(".")[0]).not.toBe(earlier.refreshToken.split(".")[0]);
    expect((await me(earlier.accessToken)).status).toBe(401);
    expect((await refresh(earlier.refreshToken)).status).toBe(401);
    expect((await me(fresh.accessToken)).status).toBe(200);

    // Only the current refresh token proves the session: a guessed secret ends nothing.
    const bystander = await login(ctx, await createUser(ctx));
    const [bystanderSessionId] = bystander.refreshToken.split(".");
    expect((await signInAgain(`${bystanderSessionId}.guessed-secret`)).status).toBe(200);
    expect((await me(bystander.accessToken)).status).toBe(200);
  });
});

describe("password change", () => {
  it("changes the password and ends the other sessions but not this one", async () => {
    const user = await createUser(ctx, { password: "first password is long" });
    const here = await login(ctx, user);
    const elsewhere = await login(ctx, user);
    const wrong = await ctx.app.request(
      "/v1/auth/password",
      jsonRequest(
        "POST",
        { currentPassword: "nope nope nope", newPassword: "second password is long" },
        here.headers,
      ),
    );
    expect(wrong.status).toBe(403);
    const changed = await ctx.app.request(
      "/v1/auth/password",
      jsonRequest(
        "POST",
        { currentPassword: user.password, newPassword: "second password is long" },
        here.headers,
      ),
    );
    expect(changed.status).toBe(204);
    expect((await me(here.accessToken)).status).toBe(200);
    expect((await me(elsewhere.accessToken)).status).toBe(401);
    await expect(login(ctx, user)).rejects.toThrow(/401/);
    await expect(
      login(ctx, { email: user.email, password: "second password is long" }),
    ).resolves.toBeDefined();
  });

  it("refuses a common or too short new password with field errors", async () => {
    const { session } = { session: await login(ctx, await createUser(ctx)) };
    for (const newPassword of ["password1", "LetMeIn1", "short"]) {
      const response = await ctx.app.request(
        "/v1/auth/password",
        jsonRequest("POST", { currentPassword: DEFAULT_PASSWORD, newPassword }, session.headers),
      );
      expect(response.status).toBe(400);
      const problem = (await response.json()) as { errors: { path: string }[] };
      expect(new Set(problem.errors.map((error) => error.path))).toEqual(new Set(["body.newPassword"]));
    }
  });
});
