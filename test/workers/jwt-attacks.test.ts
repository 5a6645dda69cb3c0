import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { parseWorkerConfig } from "../../src/worker/config.ts";
import { freshIp, jsonRequest, type Session } from "../support/factories.ts";
import {
  type ForgeryTarget,
  forgeAccessToken,
  REJECTED_AUTHORIZATIONS,
  recentlyExpiredToken,
} from "../support/jwt-attack-cases.ts";
import { createUser, login, sessionIdOf, signedIn } from "./support/accounts.ts";
import { workerFetch } from "./support/requests.ts";
import type { UserFixture } from "./support/test-fixtures.ts";

// The Worker's own view of its bindings: the same secret, issuer and audience it verifies with.
const config = parseWorkerConfig(env);

let user: UserFixture;
let session: Session;
let target: ForgeryTarget;
beforeAll(async () => {
  user = await createUser();
  session = await login(user);
  target = {
    secret: config.JWT_SECRET,
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    userId: user.id,
    sessionId: sessionIdOf(session),
    accessToken: session.accessToken,
    refreshToken: session.refreshToken,
    otherUserId: (await createUser({ role: "admin" })).id,
  };
});

function callMe(authorization: string | undefined): Promise<Response> {
  const headers: Record<string, string> = { "CF-Connecting-IP": freshIp() };
  if (authorization !== undefined) headers.Authorization = authorization;
  return workerFetch("/v1/me", { headers });
}

async function expectRejected(authorization: string | undefined): Promise<void> {
  const response = await callMe(authorization);
  expect(response.status).toBe(401);
  expect(response.headers.get("WWW-Authenticate")).toMatch(/^Bearer/);
  expect(response.headers.get("Content-Type")).toBe("application/problem+json");
  expect(await response.json()).toMatchObject({ status: 401 });
}

describe("access tokens that workerd must reject with 401 and WWW-Authenticate: Bearer", () => {
  it("accepts the genuine and a well-forged token (the control case)", async () => {
    expect((await callMe(`Bearer ${session.accessToken}`)).status).toBe(200);
    expect((await callMe(`Bearer ${await forgeAccessToken(target)}`)).status).toBe(200);
  });

  it.each(REJECTED_AUTHORIZATIONS)("%s", async (_name, build) => expectRejected(await build(target)));

  it("a session id that belongs to another user", async () => {
    const other = await login(await createUser());
    await expectRejected(`Bearer ${await forgeAccessToken(target, { claims: { sid: sessionIdOf(other) } })}`);
  });

  it("a token of an ended session", async () => {
    const ended = await login(user);
    const loggedOut = await workerFetch("/v1/auth/logout", { method: "POST", headers: ended.headers });
    expect(loggedOut.status).toBe(204);
    await expectRejected(`Bearer ${ended.accessToken}`);
  });

  it("a token of a user disabled afterwards", async () => {
    const victim = await createUser();
    const victimSession = await login(victim);
    expect((await callMe(`Bearer ${victimSession.accessToken}`)).status).toBe(200);
    const { session: admin } = await signedIn("admin");

    const disabled = await workerFetch(
      `/v1/users/${victim.id}`,
      jsonRequest("PATCH", { status: "disabled" }, admin.headers),
    );

    expect(disabled.status).toBe(200);
    await expectRejected(`Bearer ${victimSession.accessToken}`);
  });
});

describe("clock skew inside workerd", () => {
  it("tolerates a token that expired 20 s ago (within the 30 s skew)", async () => {
    expect((await callMe(`Bearer ${await recentlyExpiredToken(target)}`)).status).toBe(200);
  });
});
