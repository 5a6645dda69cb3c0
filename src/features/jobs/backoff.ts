/**
 * The wait before the retry that follows run number `attempt` (1-based), or undefined when the
 * schedule is used up. Full jitter (uniform over [0, delay], as in AWS's "Exponential Backoff and
 * Jitter"): many jobs failing together (a receiver down) come back spread out instead of in a herd.
 * A handler's retryAfterSeconds (a Retry-After header) is the receiver's own word: kept exactly.
 */
export function retryDelaySeconds(
  schedule: readonly number[],
  attempt: number,
  retryAfterSeconds: number | undefined,
  random: () => number = Math.random,
): number | undefined {
  const scheduled = schedule[attempt - 1];
  if (scheduled === undefined) return undefined;
  if (retryAfterSeconds !== undefined && Number.isFinite(retryAfterSeconds))
    return Math.max(0, retryAfterSeconds);
  return scheduled * random();
}
