import type { RateLimitDecision } from "./metrics.ts";

/** A limiter's answer, or the error `rateLimit()` caught instead of one. */
type LimitOutcome = { success: boolean; reason?: string } | { reason: "error" };

/**
 * How a `rateLimit()` outcome counts. No answer from Redis (an error, or @upstash/ratelimit's
 * timeout) is "skipped", whether the route then lets the request through or refuses it with 503.
 */
export function rateLimitDecisionOf(outcome: LimitOutcome): RateLimitDecision {
  if (!("success" in outcome) || outcome.reason === "timeout") return "skipped";
  return outcome.success ? "allowed" : "limited";
}
