import { errors as joseErrors, jwtVerify, SignJWT } from "jose";
import type { Config } from "../../config/schema.ts";
import { UnauthorizedError } from "../../lib/errors.ts";
import { type VerifiedToken, VerifiedTokenCache } from "./verified-tokens.ts";

const ALGORITHM = "HS256";
const TOKEN_TYPE = "at+jwt";
/** RFC 9068 access tokens; verification tolerates this much clock skew between issuers. */
const CLOCK_TOLERANCE_SECONDS = 30;

export interface AccessTokenClaims {
  userId: string;
  sessionId: string;
}

const keyCache = new WeakMap<Config, Promise<CryptoKey>>();
/** The HMAC key, imported once per config: given the raw secret, jose imports it on every call. */
function signingKey(config: Config): Promise<CryptoKey> {
  let key = keyCache.get(config);
  if (!key) {
    const secret = new TextEncoder().encode(config.JWT_SECRET);
    key = crypto.subtle.importKey("raw", secret, { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
      "verify",
    ]);
    keyCache.set(config, key);
  }
  return key;
}

export async function issueAccessToken(
  config: Config,
  claims: AccessTokenClaims,
  now: Date,
): Promise<string> {
  const issuedAt = Math.floor(now.getTime() / 1000);
  return new SignJWT({ sid: claims.sessionId })
    .setProtectedHeader({ alg: ALGORITHM, typ: TOKEN_TYPE })
    .setIssuer(config.JWT_ISSUER)
    .setAudience(config.JWT_AUDIENCE)
    .setSubject(claims.userId)
    .setJti(crypto.randomUUID())
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + config.ACCESS_TOKEN_TTL_SECONDS)
    .sign(await signingKey(config));
}

const verifiedCache = new WeakMap<Config, VerifiedTokenCache>();
function verifiedTokensOf(config: Config): VerifiedTokenCache {
  let cache = verifiedCache.get(config);
  if (!cache) {
    cache = new VerifiedTokenCache();
    verifiedCache.set(config, cache);
  }
  return cache;
}

/**
 * Verifies signature, algorithm, type, issuer, audience and lifetime; anything else (a refresh
 * token, `alg: none`, another algorithm) fails here. Every failure is the same 401 to the caller.
 * A token verified before is only checked for its lifetime again (see verified-tokens.ts).
 */
export async function verifyAccessToken(
  config: Config,
  token: string,
  now: Date,
): Promise<AccessTokenClaims> {
  const verified = verifiedTokensOf(config);
  const known = verified.get(token, now, CLOCK_TOLERANCE_SECONDS);
  if (known) return known;
  const claims = await verifySignedToken(config, token, now);
  verified.remember(token, claims);
  return claims.claims;
}

async function verifySignedToken(config: Config, token: string, now: Date): Promise<VerifiedToken> {
  try {
    const { payload } = await jwtVerify(token, await signingKey(config), {
      algorithms: [ALGORITHM],
      typ: TOKEN_TYPE,
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      currentDate: now,
      requiredClaims: ["iss", "aud", "sub", "sid", "jti", "iat", "exp"],
    });
    const { sub, sid, iat, exp } = payload;
    if (typeof sub !== "string" || typeof sid !== "string") throw invalidToken();
    if (typeof iat !== "number" || typeof exp !== "number") throw invalidToken();
    if (iat > now.getTime() / 1000 + CLOCK_TOLERANCE_SECONDS) throw invalidToken();
    return { claims: { userId: sub, sessionId: sid }, issuedAt: iat, expiresAt: exp };
  } catch (error) {
    if (error instanceof UnauthorizedError) throw error;
    if (error instanceof joseErrors.JOSEError || error instanceof TypeError) throw invalidToken();
    throw error;
  }
}

export function invalidToken(): UnauthorizedError {
  return new UnauthorizedError("The access token is missing, invalid, expired or revoked.", "invalid_token");
}
