import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env.ts";
import { AppError, ServiceUnavailableError } from "../lib/errors.ts";
import { rateLimitDecisionOf } from "../lib/metrics/rate-limit-decision.ts";
import {
  limiterFor,
  policyLimits,
  RATE_LIMIT_POLICIES,
  type RateLimitPolicy,
  rateLimitHeaders,
} from "../lib/rate-limiters.ts";

export type RateLimitKey = "ip" | "user" | ((c: Context<AppEnv>) => string | Promise<string>);

export interface RateLimitOptions {
  /**
   * Who is counted: the client IP (before auth), the caller (after auth: the user, or the API key
   * when one is used, so each key has its own budget and a runaway script cannot starve its
   * owner's browser) or a custom key.
   */
  by: RateLimitKey;
  /**
   * When Redis cannot answer in time: true refuses with 503 (auth routes, where an unlimited
   * attacker is worse than an outage), false lets the request through and logs a warning.
   */
  failClosed?: boolean;
}

export function rateLimit(policy: RateLimitPolicy, options: RateLimitOptions) {
  if (!(policy in RATE_LIMIT_POLICIES)) throw new Error(`rateLimit: unknown policy ${policy}`);
  return createMiddleware<AppEnv>(async function rateLimit(c, next) {
    const deps = c.var.deps;
    const identifier = await identify(c, options.by);
    const outcome = await limiterFor(deps.redis, deps.config, policy)
      .limit(identifier)
      .catch((error: unknown) => ({ reason: "error" as const, error }));
    deps.metrics.rateLimitDecision(policy, rateLimitDecisionOf(outcome));
    if (!("success" in outcome) || outcome.reason === "timeout") {
      const cause = "error" in outcome ? outcome.error : "timeout";
      if (options.failClosed) {
        deps.logger.warn("rate limit unavailable: refused (fail closed)", {
          code: "rate_limit_refused",
          policy,
          requestId: c.var.requestId,
          error: cause,
        });
        throw new ServiceUnavailableError("Rate limiting is unavailable; try again shortly.");
      }
      deps.logger.warn("rate limit skipped: Redis unavailable", {
        code: "rate_limit_skipped",
        policy,
        requestId: c.var.requestId,
        error: cause,
      });
      return next();
    }
    deps.waitUntil(outcome.pending);
    const headers = rateLimitHeaders(
      policy,
      policyLimits(deps.config, policy),
      outcome.remaining,
      outcome.reset,
      Date.now(),
    );
    appendHeader(c, "RateLimit-Policy", headers.policy);
    appendHeader(c, "RateLimit", headers.state);
    if (!outcome.success) throw tooManyRequests(policy, headers.secondsToReset);
    await next();
  });
}

export function tooManyRequests(policy: RateLimitPolicy, retryAfterSeconds: number): AppError {
  return new AppError({
    status: 429,
    code: "rate_limited",
    title: "Too many requests",
    detail: `The "${policy}" rate limit is exhausted; retry in ${retryAfterSeconds} s.`,
    headers: { "Retry-After": String(Math.max(1, retryAfterSeconds)) },
  });
}

/** Several limiters may apply to one route; appended items read back as one list per field. */
export function appendHeader(c: Context, name: string, value: string): void {
  c.header(name, value, { append: true });
}

async function identify(c: Context<AppEnv>, key: RateLimitKey): Promise<string> {
  if (typeof key === "function") return key(c);
  if (key === "ip") return `ip:${c.var.clientIp}`;
  const auth = c.var.auth;
  if (!auth) throw new Error("rateLimit({ by: 'user' }) must come after authenticate()");
  return auth.apiKey ? `key:${auth.apiKey.id}` : `user:${auth.userId}`;
}
