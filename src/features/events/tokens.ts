import { createMiddleware } from "hono/factory";
import type { AppEnv, Auth } from "../../app-env.ts";
import type { Deps } from "../../deps.ts";
import { randomToken, sha256Hex } from "../../lib/crypto.ts";
import { UnauthorizedError } from "../../lib/errors.ts";
import { authenticate } from "../../middleware/authenticate.ts";
import { sessionsOf } from "../auth/sessions.ts";
import { findUserById } from "../users/queries.ts";

/** 256 bits, well above the 128-bit floor for an opaque bearer secret. */
const TOKEN_BYTES = 32;
const TOKEN_FORMAT = /^[A-Za-z0-9_-]{43}$/;

interface StoredStreamToken {
  uid: string;
  sid: string;
}

// Only the hash is stored: a leaked Redis dump cannot open anybody's stream.
const tokenKey = (hash: string) => `tix:event-stream-token:${hash}`;

/**
 * A short-lived, single-use stream token bound to the caller's session: browsers' EventSource
 * cannot send an Authorization header, and an access token in a URL would outlive its request
 * in logs and history, where a used or expired stream token is worthless.
 */
export async function issueStreamToken(deps: Pick<Deps, "redis" | "config" | "clock">, auth: Auth) {
  const token = randomToken(TOKEN_BYTES);
  const ttl = deps.config.EVENT_STREAM_TOKEN_TTL_SECONDS;
  const stored: StoredStreamToken = { uid: auth.userId, sid: auth.sessionId };
  await deps.redis.set(tokenKey(await sha256Hex(token)), stored, { ex: ttl });
  return { token, expiresAt: new Date(deps.clock.now().getTime() + ttl * 1000).toISOString() };
}

/**
 * Takes the token out of Redis in one step (GETDEL), so two requests racing with one token
 * cannot both open a stream; then checks that the session and the user are still good.
 */
async function consumeStreamToken(deps: Deps, token: string): Promise<Auth | null> {
  if (!TOKEN_FORMAT.test(token)) return null;
  const stored = await deps.redis.getdel<StoredStreamToken>(tokenKey(await sha256Hex(token)));
  if (!stored || typeof stored.uid !== "string" || typeof stored.sid !== "string") return null;
  const [owner, user] = await Promise.all([
    sessionsOf(deps).ownerOf(stored.sid),
    findUserById(deps.db, stored.uid),
  ]);
  if (owner !== stored.uid || user?.status !== "active") return null;
  return { userId: user.id, role: user.role, sessionId: stored.sid };
}

function invalidStreamToken(): UnauthorizedError {
  return new UnauthorizedError(
    "The stream token is invalid, expired or already used; get a new one from POST /v1/events/tokens.",
    "invalid_stream_token",
  );
}

/**
 * Authentication for GET /v1/events: the bearer header like every route, or else `?token=`.
 * A request with neither gets the same 401 as any protected route.
 */
export function authenticateStream() {
  const bearer = authenticate();
  return createMiddleware<AppEnv>(async function authenticateStream(c, next) {
    const token = c.req.query("token");
    if (c.req.header("Authorization") !== undefined || token === undefined) return bearer(c, next);
    const auth = await consumeStreamToken(c.var.deps, token);
    if (!auth) throw invalidStreamToken();
    c.set("auth", auth);
    await next();
  });
}
