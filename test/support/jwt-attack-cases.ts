import { base64url, generateKeyPair, SignJWT } from "jose";

/** What a forger needs to know: the verifier's settings and one genuine session. */
export interface ForgeryTarget {
  secret: string;
  issuer: string;
  audience: string;
  userId: string;
  sessionId: string;
  accessToken: string;
  refreshToken: string;
  /** Another real user's id (to swap into a tampered payload). */
  otherUserId: string;
}

interface Forge {
  header?: Record<string, unknown>;
  claims?: Record<string, unknown>;
  omit?: string[];
  key?: Uint8Array;
}

const now = () => Math.floor(Date.now() / 1000);
/** A key the forger controls and advertises in the token's header. */
const FORGER_KEY = new TextEncoder().encode("forger-controlled-key-0123456789abcdef");
const encodeJson = (value: unknown) => base64url.encode(JSON.stringify(value));

/** A token like the API issues (valid unless told otherwise). */
export async function forgeAccessToken(
  target: ForgeryTarget,
  { header = {}, claims = {}, omit = [], key }: Forge = {},
) {
  const payload: Record<string, unknown> = {
    iss: target.issuer,
    aud: target.audience,
    sub: target.userId,
    sid: target.sessionId,
    jti: crypto.randomUUID(),
    iat: now(),
    exp: now() + 600,
    ...claims,
  };
  for (const name of omit) delete payload[name];
  return new SignJWT(payload)
    .setProtectedHeader({ alg: "HS256", typ: "at+jwt", ...header } as { alg: string })
    .sign(key ?? new TextEncoder().encode(target.secret));
}

/**
 * Authorization header values that must each be refused with 401, whatever the runtime: the
 * token-only attacks of the JWT suite. Cases that need state (ended sessions, disabled users)
 * stay in the runtime's own test file.
 */
export const REJECTED_AUTHORIZATIONS: [
  name: string,
  build: (target: ForgeryTarget) => Promise<string | undefined>,
][] = [
  ["missing", async () => undefined],
  ["wrong scheme", async (t) => `Basic ${t.accessToken}`],
  ["malformed", async () => "Bearer not.a.jwt"],
  ["two segments", async (t) => `Bearer ${t.accessToken.split(".").slice(0, 2).join(".")}`],
  [
    "alg: none",
    async (t) => `Bearer ${encodeJson({ alg: "none", typ: "at+jwt" })}.${t.accessToken.split(".")[1]}.`,
  ],
  [
    "another HMAC algorithm (HS512) with the same secret",
    async (t) => `Bearer ${await forgeAccessToken(t, { header: { alg: "HS512" } })}`,
  ],
  [
    "an asymmetric algorithm (RS256)",
    async (t) => {
      const { privateKey } = await generateKeyPair("RS256");
      const token = await new SignJWT({ sid: t.sessionId })
        .setProtectedHeader({ alg: "RS256", typ: "at+jwt" })
        .setIssuer(t.issuer)
        .setAudience(t.audience)
        .setSubject(t.userId)
        .setJti(crypto.randomUUID())
        .setIssuedAt()
        .setExpirationTime("5m")
        .sign(privateKey);
      return `Bearer ${token}`;
    },
  ],
  [
    "tampered payload (another user's id under the original signature)",
    async (t) => {
      const [header, , signature] = t.accessToken.split(".");
      const payload = encodeJson({
        iss: t.issuer,
        aud: t.audience,
        sub: t.otherUserId,
        sid: t.sessionId,
        jti: crypto.randomUUID(),
        iat: now(),
        exp: now() + 600,
      });
      return `Bearer ${header}.${payload}.${signature}`;
    },
  ],
  [
    "tampered signature",
    async (t) => {
      const token = t.accessToken;
      return `Bearer ${token.slice(0, -2)}${token.at(-2) === "A" ? "B" : "A"}${token.at(-1)}`;
    },
  ],
  [
    "signed with another secret",
    async (t) => `Bearer ${await forgeAccessToken(t, { key: new TextEncoder().encode("x".repeat(48)) })}`,
  ],
  // Key material named by the token itself must never be trusted (ASVS 5.0 9.1.3): each of these
  // is signed with the forger's key and points at it.
  [
    "an embedded jwk header carrying the forger's own key",
    async (t) =>
      `Bearer ${await forgeAccessToken(t, {
        header: { jwk: { kty: "oct", k: base64url.encode(FORGER_KEY) } },
        key: FORGER_KEY,
      })}`,
  ],
  [
    "a jku header pointing at the forger's key set",
    async (t) =>
      `Bearer ${await forgeAccessToken(t, {
        header: { jku: "https://forger.example/.well-known/jwks.json", kid: "forger" },
        key: FORGER_KEY,
      })}`,
  ],
  [
    "an x5u header pointing at the forger's certificate",
    async (t) =>
      `Bearer ${await forgeAccessToken(t, { header: { x5u: "https://forger.example/cert.pem" }, key: FORGER_KEY })}`,
  ],
  [
    "expired beyond the 30 s skew",
    async (t) => `Bearer ${await forgeAccessToken(t, { claims: { iat: now() - 1000, exp: now() - 31 } })}`,
  ],
  [
    "not yet valid (nbf in the future)",
    async (t) => `Bearer ${await forgeAccessToken(t, { claims: { nbf: now() + 120 } })}`,
  ],
  [
    "issued in the future",
    async (t) => `Bearer ${await forgeAccessToken(t, { claims: { iat: now() + 120, exp: now() + 900 } })}`,
  ],
  ["wrong issuer", async (t) => `Bearer ${await forgeAccessToken(t, { claims: { iss: "someone-else" } })}`],
  ["wrong audience", async (t) => `Bearer ${await forgeAccessToken(t, { claims: { aud: "another-api" } })}`],
  ["wrong typ", async (t) => `Bearer ${await forgeAccessToken(t, { header: { typ: "JWT" } })}`],
  ...["sid", "jti", "exp", "iat", "sub", "iss", "aud"].map(
    (claim) =>
      [
        `missing ${claim}`,
        async (t: ForgeryTarget) => `Bearer ${await forgeAccessToken(t, { omit: [claim] })}`,
      ] as [string, (target: ForgeryTarget) => Promise<string>],
  ),
  ["a refresh token presented as an access token", async (t) => `Bearer ${t.refreshToken}`],
];

/** Within the 30 s clock skew: must be accepted. */
export function recentlyExpiredToken(target: ForgeryTarget): Promise<string> {
  return forgeAccessToken(target, { claims: { iat: now() - 900, exp: now() - 20 } });
}
