import { createMiddleware } from "hono/factory";
import type { AppEnv, Auth } from "../app-env.ts";
import { invalidToken, verifyAccessToken } from "../features/auth/access-tokens.ts";
import { sessionsOf } from "../features/auth/sessions.ts";
import { findCaller } from "../features/users/queries.ts";

const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/;

/**
 * Accepts a request only with a valid access token whose session is alive and whose user is
 * active. The role comes from the database on every request, so a role change or a disabled
 * account takes effect at the next request, not when the token expires.
 */
export function authenticate() {
  return createMiddleware<AppEnv>(async function authenticate(c, next) {
    const match = BEARER.exec(c.req.header("Authorization") ?? "");
    if (!match?.[1]) throw invalidToken();
    const deps = c.var.deps;
    const claims = await verifyAccessToken(deps.config, match[1], deps.clock.now());
    const [sessionOwner, user] = await Promise.all([
      sessionOwnerOrUnknown(c.var.deps, claims.sessionId),
      findCaller(deps.db, claims.userId),
    ]);
    if (user?.status !== "active") throw invalidToken();
    if (sessionOwner !== "unknown" && sessionOwner !== claims.userId) throw invalidToken();
    c.set("auth", { userId: user.id, role: user.role, sessionId: claims.sessionId });
    await next();
  });
}

/**
 * With Redis unreachable the session cannot be checked. Refusing every request would take the
 * whole API down with Redis, so the token (short-lived, signature checked) and the user's status
 * in PostgreSQL still decide, and the degradation is logged.
 */
async function sessionOwnerOrUnknown(deps: AppEnv["Variables"]["deps"], sessionId: string) {
  try {
    return await sessionsOf(deps).ownerOf(sessionId);
  } catch (error) {
    deps.logger.warn("session check skipped: Redis unavailable", { sessionId, error });
    return "unknown" as const;
  }
}

/** The caller on a route composed with `authenticate()`; a route without it is a programming error. */
export function authOf(c: { var: AppEnv["Variables"] }): Auth {
  const auth = c.var.auth;
  if (!auth) throw new Error("authOf() used on a route without authenticate()");
  return auth;
}
