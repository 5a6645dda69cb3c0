import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../../app-env.ts";
import { ServiceUnavailableError } from "../../lib/errors.ts";
import { limiterFor, policyLimits, rateLimitHeaders } from "../../lib/rate-limiters.ts";
import { withTimeout } from "../../lib/timeout.ts";
import { appendHeader, tooManyRequests } from "../../middleware/rate-limit.ts";

/**
 * Counts failed logins per IP and per IP+email (the "login" policy, e.g. 5 per 15 minutes). A
 * caller with no attempts left is refused before any password is hashed; successful logins do
 * not count. Fails closed: without Redis there is no brute-force protection, so no login.
 */
export function limitLoginFailures() {
  return createMiddleware<AppEnv>(async function limitLoginFailures(c, next) {
    const deps = c.var.deps;
    const limiter = limiterFor(deps.redis, deps.config, "login");
    const keys = [`ip:${c.var.clientIp}`, `ip-email:${c.var.clientIp}:${await emailOf(c)}`];
    const timeoutMs = deps.config.RATE_LIMIT_TIMEOUT_MS;
    const states = await withTimeout(
      Promise.all(keys.map((key) => limiter.getRemaining(key))),
      timeoutMs,
      "login limiter",
    ).catch(() => {
      throw new ServiceUnavailableError("Login is temporarily unavailable; try again shortly.");
    });
    const tightest = states.reduce((a, b) => (b.remaining < a.remaining ? b : a));
    const limits = policyLimits(deps.config, "login");
    const now = Date.now();
    const before = rateLimitHeaders("login", limits, tightest.remaining, tightest.reset || now, now);
    appendHeader(c, "RateLimit-Policy", before.policy);
    if (tightest.remaining <= 0) {
      appendHeader(c, "RateLimit", before.state);
      throw tooManyRequests("login", before.secondsToReset);
    }

    await next();

    const failed = c.res.status === 401;
    const remaining = failed ? tightest.remaining - 1 : tightest.remaining;
    const resetAt = tightest.reset || now + limits.windowSeconds * 1000;
    c.res.headers.append("RateLimit", rateLimitHeaders("login", limits, remaining, resetAt, now).state);
    if (failed) {
      // Counted before the answer leaves, so a client cannot outrun its own failures.
      const results = await Promise.all(keys.map((key) => limiter.limit(key)));
      for (const result of results) deps.waitUntil(result.pending);
    }
  });
}

async function emailOf(c: Context<AppEnv>): Promise<string> {
  try {
    const body = (await c.req.json()) as { email?: unknown };
    return typeof body.email === "string" ? body.email.trim().toLowerCase() : "";
  } catch {
    return "";
  }
}
