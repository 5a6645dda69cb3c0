import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DEFAULT_PASSWORD, freshIp, jsonRequest, uniqueEmail } from "../support/factories.ts";
import { createUser, fetchMe, login, refreshWithBody } from "./support/accounts.ts";
import { workerFetch, workerFetchWith } from "./support/requests.ts";

// The same Worker with the reuse grace period off: every second presentation is reuse.
const graceOff = { ...env, REFRESH_REUSE_GRACE_SECONDS: "0" };
const refreshWithoutGrace = (refreshToken: string) =>
  workerFetchWith(
    graceOff,
    "/v1/auth/refresh",
    jsonRequest("POST", { refreshToken }, { "CF-Connecting-IP": freshIp() }),
  );

interface TokenPairBody {
  accessToken: string;
  refreshToken: string;
  tokenType: string;
  expiresIn: number;
  user: Record<string, unknown>;
}

describe("register → login → me → refresh → logout inside workerd", () => {
  it("runs the whole flow a frontend runs", async () => {
    const email = uniqueEmail("workers-flow");
    const registered = await workerFetch(
      "/v1/auth/register",
      jsonRequest(
        "POST",
        { email, password: DEFAULT_PASSWORD, name: "Flo W" },
        { "CF-Connecting-IP": freshIp() },
      ),
    );
    expect(registered.status).toBe(201);
    const user = (await registered.json()) as Record<string, unknown>;
    expect(user).toMatchObject({ email, name: "Flo W", role: "reporter", status: "active", version: 1 });
    expect(JSON.stringify(user)).not.toMatch(/argon2|passwordHash/i);

    const signedIn = await workerFetch(
      "/v1/auth/login",
      jsonRequest(
        "POST",
        { email: email.toUpperCase(), password: DEFAULT_PASSWORD },
        { "CF-Connecting-IP": freshIp() },
      ),
    );
    expect(signedIn.status).toBe(200);
    expect(signedIn.headers.get("Cache-Control")).toBe("no-store");
    const pair = (await signedIn.json()) as TokenPairBody;
    expect(pair).toMatchObject({
      tokenType: "Bearer",
      expiresIn: 900,
      user: { id: user.id, email, role: "reporter" },
    });
    expect(pair.refreshToken.length).toBeGreaterThanOrEqual(43);
    const cookie = signedIn.headers.get("Set-Cookie") ?? "";
    expect(cookie).toContain(`tix_refresh=${pair.refreshToken}`);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/Secure/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Path=\/v1\/auth/);

    const profile = await fetchMe(pair.accessToken);
    expect(profile.status).toBe(200);
    expect(await profile.json()).toMatchObject({ id: user.id, email, name: "Flo W" });

    const renamed = await workerFetch(
      "/v1/me",
      jsonRequest(
        "PATCH",
        { name: "Florence" },
        { Authorization: `Bearer ${pair.accessToken}`, "CF-Connecting-IP": freshIp() },
      ),
    );
    expect(renamed.status).toBe(200);
    expect(await renamed.json()).toMatchObject({ name: "Florence", version: 2 });
    expect(await (await fetchMe(pair.accessToken)).json()).toMatchObject({ name: "Florence" });

    const rotated = await refreshWithBody(pair.refreshToken);
    expect(rotated.status).toBe(200);
    const next = (await rotated.json()) as TokenPairBody;
    expect(next.refreshToken).not.toBe(pair.refreshToken);
    expect(rotated.headers.get("Set-Cookie")).toContain(`tix_refresh=${next.refreshToken}`);
    expect((await fetchMe(next.accessToken)).status).toBe(200);

    const loggedOut = await workerFetch("/v1/auth/logout", {
      method: "POST",
      headers: { Authorization: `Bearer ${next.accessToken}`, "CF-Connecting-IP": freshIp() },
    });
    expect(loggedOut.status).toBe(204);
    expect(loggedOut.headers.get("Set-Cookie")).toMatch(/tix_refresh=;.*Max-Age=0/);
    // ASVS 7.4.1: the session is dead at once, access token included, not when it expires.
    const after = await fetchMe(next.accessToken);
    expect(after.status).toBe(401);
    expect(after.headers.get("WWW-Authenticate")).toMatch(/^Bearer/);
    expect((await refreshWithBody(next.refreshToken)).status).toBe(401);
  });

  it("refreshes from the cookie when the body has no token", async () => {
    const session = await login(await createUser());

    const response = await workerFetch("/v1/auth/refresh", {
      method: "POST",
      headers: {
        Cookie: `tix_refresh=${session.refreshToken}`,
        "Content-Type": "application/json",
        "CF-Connecting-IP": freshIp(),
      },
      body: "{}",
    });

    expect(response.status).toBe(200);
    const next = (await response.json()) as TokenPairBody;
    expect(next.refreshToken).not.toBe(session.refreshToken);
    expect(response.headers.get("Set-Cookie")).toContain(`tix_refresh=${next.refreshToken}`);
    expect((await fetchMe(next.accessToken)).status).toBe(200);
    // The cookie's token was rotated like a body token: presented again within the reuse grace
    // period (another tab), it gets the same successor, not a second one.
    const again = await refreshWithBody(session.refreshToken);
    expect(again.status).toBe(200);
    expect(((await again.json()) as TokenPairBody).refreshToken).toBe(next.refreshToken);
  });
});

describe("refresh token families (RFC 9700 §4.14.2) inside workerd", () => {
  it("revokes the whole family when a used refresh token comes back", async () => {
    const first = await login(await createUser());
    const secondResponse = await refreshWithoutGrace(first.refreshToken);
    expect(secondResponse.status).toBe(200);
    const second = (await secondResponse.json()) as TokenPairBody;
    expect((await fetchMe(second.accessToken)).status).toBe(200);

    const replay = await refreshWithoutGrace(first.refreshToken);

    expect(replay.status).toBe(401);
    expect(((await replay.json()) as { code: string }).code).toBe("invalid_refresh_token");
    expect(replay.headers.get("Set-Cookie")).toMatch(/tix_refresh=;.*Max-Age=0/);
    // The legitimate holder of the newer token is logged out too: the family is gone.
    expect((await refreshWithBody(second.refreshToken)).status).toBe(401);
    expect((await fetchMe(second.accessToken)).status).toBe(401);
    expect((await fetchMe(first.accessToken)).status).toBe(401);
  });

  it("rejects forged refresh tokens without revoking anything", async () => {
    const session = await login(await createUser());
    const [sessionId] = session.refreshToken.split(".");

    for (const forged of [`${sessionId}.AAAA`, "not-a-token", `${crypto.randomUUID()}.abc`]) {
      expect((await refreshWithBody(forged)).status).toBe(401);
    }
    const withoutAnyToken = await workerFetch(
      "/v1/auth/refresh",
      jsonRequest("POST", {}, { "CF-Connecting-IP": freshIp() }),
    );
    expect(withoutAnyToken.status).toBe(401);

    expect((await fetchMe(session.accessToken)).status).toBe(200);
    expect((await refreshWithBody(session.refreshToken)).status).toBe(200);
  });

  it("answers concurrent refreshes of one token with one successor, revoking nothing", async () => {
    const session = await login(await createUser());

    const replies = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const response = await refreshWithBody(session.refreshToken);
        return { status: response.status, body: (await response.json()) as TokenPairBody };
      }),
    );

    expect(replies.map((reply) => reply.status)).toEqual(Array(8).fill(200));
    const successors = new Set(replies.map((reply) => reply.body.refreshToken));
    expect(successors.size).toBe(1);
    for (const reply of replies) expect((await fetchMe(reply.body.accessToken)).status).toBe(200);
    expect((await refreshWithBody([...successors][0] as string)).status).toBe(200);
  });

  it("with REFRESH_REUSE_GRACE_SECONDS=0, lets exactly one of concurrent refreshes through", async () => {
    const session = await login(await createUser());

    const statuses = await Promise.all(
      Array.from({ length: 8 }, async () => (await refreshWithoutGrace(session.refreshToken)).status),
    );

    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 401)).toHaveLength(7);
    expect((await fetchMe(session.accessToken)).status).toBe(401);
  });
});
