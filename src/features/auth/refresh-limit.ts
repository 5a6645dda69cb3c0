import type { Context } from "hono";
import type { AppEnv } from "../../app-env.ts";
import { ServiceUnavailableError } from "../../lib/errors.ts";
import { TimeoutError, withTimeout } from "../../lib/timeout.ts";
import { readRefreshCookie } from "./refresh-cookie.ts";
import { sessionsOf } from "./sessions.ts";

/**
 * Who a refresh counts against: the session, only when the token proves it (its secret matches),
 * since a session id alone, read from any token, would let anyone lock the owner out; otherwise
 * the caller's IP, never one bucket the whole deployment would share.
 */
export async function refreshLimitKey(c: Context<AppEnv>): Promise<string> {
  // Any JSON may arrive here before validation (`null`, a number, an array): read it defensively.
  const body: unknown = await c.req.json().catch(() => ({}));
  const presented =
    typeof body === "object" && body !== null ? (body as { refreshToken?: unknown }).refreshToken : undefined;
  const token = typeof presented === "string" ? presented : readRefreshCookie(c);
  const deps = c.var.deps;
  const sessionId = token
    ? await withTimeout(
        sessionsOf(deps).sessionProvenBy(token),
        deps.config.RATE_LIMIT_TIMEOUT_MS,
        "refresh limiter",
      ).catch((error: unknown) => {
        // Part of the rate-limit decision, so under its deadline, and failing closed like it.
        if (error instanceof TimeoutError)
          throw new ServiceUnavailableError("Rate limiting is unavailable; try again shortly.");
        throw error;
      })
    : null;
  return sessionId ? `session:${sessionId}` : `ip:${c.var.clientIp}`;
}
