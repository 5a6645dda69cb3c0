import { generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUser, login, type Session, type TestUser } from "../support/factories.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";

let ctx: TestContext;
let user: TestUser;
let session: Session;
let sessionId: string;
const now = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  ctx = await createTestContext({ env: { TRUST_PROXY: "true" } });
  user = await createUser(ctx);
  session = await login(ctx, user);
  sessionId = session.refreshToken.split(".")[0] as string;
});
afterAll(() => ctx.close());

const secret = () => new TextEncoder().encode(ctx.config.JWT_SECRET);
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

interface Forge {
  header?: Record<string, unknown>;
  claims?: Record<string, unknown>;
  omit?: string[];
  key?: Uint8Array;
}

async function forge({ header = {}, claims = {}, omit = [], key }: Forge = {}): Promise<string> {
  const payload: Record<string, unknown> = {
    iss: ctx.config.JWT_ISSUER,
    aud: ctx.config.JWT_AUDIENCE,
    sub: user.id,
    sid: sessionId,
    jti: crypto.randomUUID(),
    iat: now(),
    exp: now() + 600,
    ...claims,
  };
  for (const name of omit) delete payload[name];
  return new SignJWT(payload)
    .setProtectedHeader({ alg: "HS256", typ: "at+jwt", ...header } as { alg: string })
    .sign(key ?? secret());
}

async function callMe(token: string | undefined) {
  return ctx.app.request("/v1/me", { headers: token === undefined ? {} : { Authorization: token } });
}

async function expectRejected(authorization: string | undefined) {
  const response = await callMe(authorization);
  expect(response.status).toBe(401);
  expect(response.headers.get("WWW-Authenticate")).toMatch(/^Bearer/);
  expect(response.headers.get("Content-Type")).toBe("application/problem+json");
}

describe("access tokens that must be rejected with 401 and WWW-Authenticate: Bearer", () => {
  it("accepts the genuine token (the control case)", async () => {
    expect((await callMe(`Bearer ${session.accessToken}`)).status).toBe(200);
    expect((await callMe(`Bearer ${await forge()}`)).status).toBe(200);
  });

  it("missing", () => expectRejected(undefined));
  it("wrong scheme", () => expectRejected(`Basic ${session.accessToken}`));
  it("malformed", () => expectRejected("Bearer not.a.jwt"));
  it("two segments", () => expectRejected(`Bearer ${session.accessToken.split(".").slice(0, 2).join(".")}`));

  it("alg: none", async () => {
    const [, payload] = session.accessToken.split(".");
    await expectRejected(`Bearer ${b64({ alg: "none", typ: "at+jwt" })}.${payload}.`);
  });

  it("another HMAC algorithm (HS512) with the same secret", async () => {
    await expectRejected(`Bearer ${await forge({ header: { alg: "HS512" } })}`);
  });

  it("an asymmetric algorithm (RS256)", async () => {
    const { privateKey } = await generateKeyPair("RS256");
    const token = await new SignJWT({ sid: sessionId })
      .setProtectedHeader({ alg: "RS256", typ: "at+jwt" })
      .setIssuer(ctx.config.JWT_ISSUER)
      .setAudience(ctx.config.JWT_AUDIENCE)
      .setSubject(user.id)
      .setJti("x")
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(privateKey);
    await expectRejected(`Bearer ${token}`);
  });

  it("tampered payload", async () => {
    const [header, , signature] = session.accessToken.split(".");
    const other = await createUser(ctx, { role: "admin" });
    const payload = b64({
      iss: ctx.config.JWT_ISSUER,
      aud: ctx.config.JWT_AUDIENCE,
      sub: other.id,
      sid: sessionId,
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

  it("wrong issuer", () =>
    forge({ claims: { iss: "someone-else" } }).then((t) => expectRejected(`Bearer ${t}`)));
  it("wrong audience", () =>
    forge({ claims: { aud: "another-api" } }).then((t) => expectRejected(`Bearer ${t}`)));
  it("wrong typ", () => forge({ header: { typ: "JWT" } }).then((t) => expectRejected(`Bearer ${t}`)));

  it.each(["sid", "jti", "exp", "iat", "sub", "iss", "aud"])("missing %s", async (claim) => {
    await expectRejected(`Bearer ${await forge({ omit: [claim] })}`);
  });

  it("a refresh token presented as an access token", () => expectRejected(`Bearer ${session.refreshToken}`));

  it("a session id that does not belong to the subject", async () => {
    const other = await login(ctx, await createUser(ctx));
    const otherSessionId = other.refreshToken.split(".")[0];
    await expectRejected(`Bearer ${await forge({ claims: { sid: otherSessionId } })}`);
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
    const token = await forge({ claims: { iat: now() - 900, exp: now() - 10 } });
    expect((await callMe(`Bearer ${token}`)).status).toBe(200);
  });
});
