import { env } from "cloudflare:workers";
import { base64url, generateKeyPair, SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { parseWorkerConfig } from "../../src/worker/config.ts";
import { freshIp, jsonRequest, type Session } from "../support/factories.ts";
import { createUser, login, sessionIdOf, signedIn } from "./support/accounts.ts";
import { workerFetch } from "./support/requests.ts";
import type { UserFixture } from "./support/test-fixtures.ts";

// The Worker's own view of its bindings: the same secret, issuer and audience it verifies with.
const config = parseWorkerConfig(env);
const secret = new TextEncoder().encode(config.JWT_SECRET);
const now = () => Math.floor(Date.now() / 1000);
const encodeJson = (value: unknown) => base64url.encode(JSON.stringify(value));

let user: UserFixture;
let session: Session;
beforeAll(async () => {
  user = await createUser();
  session = await login(user);
});

interface Forge {
  header?: Record<string, unknown>;
  claims?: Record<string, unknown>;
  omit?: string[];
  key?: Uint8Array;
}

/** A token like the Worker issues (valid unless told otherwise), signed inside workerd. */
async function forge({ header = {}, claims = {}, omit = [], key = secret }: Forge = {}): Promise<string> {
  const payload: Record<string, unknown> = {
    iss: config.JWT_ISSUER,
    aud: config.JWT_AUDIENCE,
    sub: user.id,
    sid: sessionIdOf(session),
    jti: crypto.randomUUID(),
    iat: now(),
    exp: now() + 600,
    ...claims,
  };
  for (const name of omit) delete payload[name];
  return new SignJWT(payload)
    .setProtectedHeader({ alg: "HS256", typ: "at+jwt", ...header } as { alg: string })
    .sign(key);
}

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
    expect((await callMe(`Bearer ${await forge()}`)).status).toBe(200);
  });

  it("missing", () => expectRejected(undefined));
  it("wrong scheme", () => expectRejected(`Basic ${session.accessToken}`));
  it("malformed", () => expectRejected("Bearer not.a.jwt"));
  it("two segments", () => expectRejected(`Bearer ${session.accessToken.split(".").slice(0, 2).join(".")}`));

  it("alg: none", async () => {
    const [, payload] = session.accessToken.split(".");
    await expectRejected(`Bearer ${encodeJson({ alg: "none", typ: "at+jwt" })}.${payload}.`);
  });

  it("another HMAC algorithm (HS512) with the same secret", async () => {
    await expectRejected(`Bearer ${await forge({ header: { alg: "HS512" } })}`);
  });

  it("an asymmetric algorithm (RS256)", async () => {
    const { privateKey } = await generateKeyPair("RS256");
    const token = await new SignJWT({ sid: sessionIdOf(session) })
      .setProtectedHeader({ alg: "RS256", typ: "at+jwt" })
      .setIssuer(config.JWT_ISSUER)
      .setAudience(config.JWT_AUDIENCE)
      .setSubject(user.id)
      .setJti(crypto.randomUUID())
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(privateKey);
    await expectRejected(`Bearer ${token}`);
  });

  it("tampered payload", async () => {
    const [header, , signature] = session.accessToken.split(".");
    const admin = await createUser({ role: "admin" });
    const payload = encodeJson({
      iss: config.JWT_ISSUER,
      aud: config.JWT_AUDIENCE,
      sub: admin.id,
      sid: sessionIdOf(session),
      jti: crypto.randomUUID(),
      iat: now(),
      exp: now() + 600,
    });
    await expectRejected(`Bearer ${header}.${payload}.${signature}`);
  });

  it("tampered signature", async () => {
    const token = session.accessToken;
    const flipped = token.slice(0, -2) + (token.at(-2) === "A" ? "B" : "A") + token.at(-1);
    await expectRejected(`Bearer ${flipped}`);
  });

  it("signed with another secret", async () => {
    await expectRejected(`Bearer ${await forge({ key: new TextEncoder().encode("x".repeat(48)) })}`);
  });

  it("expired beyond the 30 s skew", async () => {
    await expectRejected(`Bearer ${await forge({ claims: { iat: now() - 1000, exp: now() - 31 } })}`);
  });

  it("not yet valid (nbf in the future)", async () => {
    await expectRejected(`Bearer ${await forge({ claims: { nbf: now() + 120 } })}`);
  });

  it("issued in the future", async () => {
    await expectRejected(`Bearer ${await forge({ claims: { iat: now() + 120, exp: now() + 900 } })}`);
  });

  it("wrong issuer", async () => {
    await expectRejected(`Bearer ${await forge({ claims: { iss: "someone-else" } })}`);
  });

  it("wrong audience", async () => {
    await expectRejected(`Bearer ${await forge({ claims: { aud: "another-api" } })}`);
  });

  it("wrong typ", async () => {
    await expectRejected(`Bearer ${await forge({ header: { typ: "JWT" } })}`);
  });

  it.each(["sid", "jti", "exp", "iat", "sub", "iss", "aud"])("missing %s", async (claim) => {
    await expectRejected(`Bearer ${await forge({ omit: [claim] })}`);
  });

  it("a refresh token presented as an access token", () => expectRejected(`Bearer ${session.refreshToken}`));

  it("a session id that belongs to another user", async () => {
    const other = await login(await createUser());
    await expectRejected(`Bearer ${await forge({ claims: { sid: sessionIdOf(other) } })}`);
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
    const token = await forge({ claims: { iat: now() - 900, exp: now() - 20 } });
    expect((await callMe(`Bearer ${token}`)).status).toBe(200);
  });
});
