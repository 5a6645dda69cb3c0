import type { Redis } from "@upstash/redis";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../../app-env.ts";
import type { Config } from "../../config/schema.ts";
import { ServiceUnavailableError } from "../../lib/errors.ts";
import { policyLimits, rateLimitHeaders } from "../../lib/rate-limiters.ts";
import { withTimeout } from "../../lib/timeout.ts";
import { appendHeader, tooManyRequests } from "../../middleware/rate-limit.ts";
import { createLoginAttempts, type LoginAttempts } from "./login-attempts.ts";

const attemptsByClient = new WeakMap<Redis, LoginAttempts>();

function loginAttemptsOf(redis: Redis, config: Config): LoginAttempts {
  let attempts = attemptsByClient.get(redis);
  if (!attempts) {
    attempts = createLoginAttempts(redis, "tix:rl:login", policyLimits(config, "login"));
    attemptsByClient.set(redis, attempts);
  }
  return attempts;
}

/**
 * Limits failed logins per IP and per IP+email (the "login" policy, e.g. 5 per 15 minutes). The
 * attempt is reserved before the password is verified, so logins sent at once cannot all pass a
 * check made before any of them is counted; a caller with no attempts left is refused before any
 * password is hashed. A login that does not fail (200, or a malformed request) gives its attempt
 * back: only failures count. Fails closed: without Redis there is no brute-force protection.
 */
export function limitLoginFailures() {
  return createMiddleware<AppEnv>(async function limitLoginFailures(c, next) {
    const deps = c.var.deps;
    const limits = policyLimits(deps.config, "login");
    const identifiers = [`ip:${c.var.clientIp}`, `ip-email:${c.var.clientIp}:${await emailOf(c)}`];
    const now = Date.now();
    const reservation = await withTimeout(
      loginAttemptsOf(deps.redis, deps.config).reserve(identifiers, now),
      deps.config.RATE_LIMIT_TIMEOUT_MS,
      "login limiter",
    ).catch((error: unknown) => {
      deps.logger.warn("rate limit unavailable: refused (fail closed)", {
        policy: "login",
        requestId: c.var.requestId,
        error,
      });
      throw new ServiceUnavailableError("Login is temporarily unavailable; try again shortly.");
    });
    const before = rateLimitHeaders("login", limits, reservation.remaining, reservation.resetAt, now);
    appendHeader(c, "RateLimit-Policy", before.policy);
    if (!reservation.reserved) {
      appendHeader(c, "RateLimit", before.state);
      throw tooManyRequests("login", before.secondsToReset);
    }

    await next();

    const failed = c.res.status === 401;
    // Given back before the answer leaves, so the next login of this client sees it.
    if (!failed) await reservation.giveBack().catch((error: unknown) => warnNotGivenBack(c, error));
    const remaining = failed ? reservation.remaining : reservation.remaining + 1;
    const after = rateLimitHeaders("login", limits, remaining, reservation.resetAt, Date.now());
    c.res.headers.append("RateLimit", after.state);
  });
}

/** The login itself is done; a lost give-back only costs the caller one attempt of the window. */
function warnNotGivenBack(c: Context<AppEnv>, error: unknown): void {
  c.var.deps.logger.warn("login attempt not given back", { requestId: c.var.requestId, error });
}

async function emailOf(c: Context<AppEnv>): Promise<string> {
  try {
    const body = (await c.req.json()) as { email?: unknown };
    return typeof body.email === "string" ? body.email.trim().toLowerCase() : "";
  } catch {
    return "";
  }
}
