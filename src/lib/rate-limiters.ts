import { Ratelimit } from "@upstash/ratelimit";
import type { Redis } from "@upstash/redis";
import type { Config } from "../config/schema.ts";

export const RATE_LIMIT_POLICIES = {
  login: "RATE_LIMIT_LOGIN",
  register: "RATE_LIMIT_REGISTER",
  refresh: "RATE_LIMIT_REFRESH",
  read: "RATE_LIMIT_READ",
  write: "RATE_LIMIT_WRITE",
  anonymous: "RATE_LIMIT_ANONYMOUS",
  passwordReset: "RATE_LIMIT_PASSWORD_RESET",
  /** Mail one address or account may trigger (reset links, verification resends). */
  mailPerAddress: "RATE_LIMIT_MAIL_PER_ADDRESS",
} as const satisfies Record<string, keyof Config>;

export type RateLimitPolicy = keyof typeof RATE_LIMIT_POLICIES;

export interface PolicyLimits {
  requests: number;
  windowSeconds: number;
}

export function policyLimits(config: Config, policy: RateLimitPolicy): PolicyLimits {
  return config[RATE_LIMIT_POLICIES[policy]];
}

// Limiters and their ephemeral caches outlive requests: one set per Redis client and config.
const limitersByClient = new WeakMap<Redis, Map<RateLimitPolicy, Ratelimit>>();

export function limiterFor(redis: Redis, config: Config, policy: RateLimitPolicy): Ratelimit {
  let limiters = limitersByClient.get(redis);
  if (!limiters) {
    limiters = new Map();
    limitersByClient.set(redis, limiters);
  }
  let limiter = limiters.get(policy);
  if (!limiter) {
    const { requests, windowSeconds } = policyLimits(config, policy);
    limiter = new Ratelimit({
      redis,
      limiter: Ratelimit.slidingWindow(requests, `${windowSeconds} s`),
      prefix: `tix:rl:${policy}`,
      ephemeralCache: new Map(),
      timeout: config.RATE_LIMIT_TIMEOUT_MS,
      analytics: false,
    });
    limiters.set(policy, limiter);
  }
  return limiter;
}

/** draft-ietf-httpapi-ratelimit-headers-10 field values. */
export function rateLimitHeaders(
  policy: RateLimitPolicy,
  limits: PolicyLimits,
  remaining: number,
  resetAt: number,
  now: number,
) {
  const secondsToReset = Math.max(0, Math.ceil((resetAt - now) / 1000));
  return {
    policy: `"${policy}";q=${limits.requests};w=${limits.windowSeconds}`,
    state: `"${policy}";r=${Math.max(0, remaining)};t=${secondsToReset}`,
    secondsToReset,
  };
}
