import type { Redis } from "@upstash/redis";
import type { PolicyLimits } from "../../lib/rate-limiters.ts";

/**
 * Reserves one login attempt in every window at once (per IP, per IP+email), or in none: one
 * script, so concurrent logins cannot all read "attempts left" before any is counted, and a
 * refused login spends nothing anywhere. The count is Upstash's sliding window (same key layout,
 * `<prefix>:<identifier>:<window index>`, the previous window weighted by what is left of it).
 * KEYS: current and previous window key of each identifier, in pairs. ARGV: limit, now (ms),
 * window (ms). Returns {1 reserved or 0 refused, attempts left in the tightest window}.
 */
const RESERVE_SCRIPT = `
local limit, now, window = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local previousWeight = 1 - (now % window) / window
local left = limit
for i = 1, #KEYS, 2 do
  local current = tonumber(redis.call('GET', KEYS[i]) or '0')
  local previous = tonumber(redis.call('GET', KEYS[i + 1]) or '0')
  left = math.min(left, limit - current - math.floor(previousWeight * previous))
end
if left <= 0 then return {0, left} end
for i = 1, #KEYS, 2 do
  redis.call('INCR', KEYS[i])
  redis.call('PEXPIRE', KEYS[i], window * 2 + 1000)
end
return {1, left - 1}
`;

/** Gives a reserved attempt back to the windows it was counted in. KEYS: those windows. */
const GIVE_BACK_SCRIPT = `
for i = 1, #KEYS do
  if tonumber(redis.call('GET', KEYS[i]) or '0') > 0 then redis.call('DECR', KEYS[i]) end
end
return 1
`;

export interface LoginReservation {
  reserved: boolean;
  /** Attempts left in the tightest window after this one. */
  remaining: number;
  /** When the current window ends (ms since the epoch). */
  resetAt: number;
  /** Hands the attempt back (a login that did not fail); a no-op for a refused one. */
  giveBack(): Promise<void>;
}

export function createLoginAttempts(redis: Redis, prefix: string, limits: PolicyLimits) {
  const reserveScript = redis.createScript<[number, number]>(RESERVE_SCRIPT);
  const giveBackScript = redis.createScript<number>(GIVE_BACK_SCRIPT);
  const windowMs = limits.windowSeconds * 1000;

  return {
    async reserve(identifiers: string[], now: number): Promise<LoginReservation> {
      const windowIndex = Math.floor(now / windowMs);
      const currentKeys = identifiers.map((id) => `${prefix}:${id}:${windowIndex}`);
      const keys = identifiers.flatMap((id, index) => [
        currentKeys[index] as string,
        `${prefix}:${id}:${windowIndex - 1}`,
      ]);
      const [reserved, left] = await reserveScript.exec(keys, [
        String(limits.requests),
        String(now),
        String(windowMs),
      ]);
      return {
        reserved: reserved === 1,
        remaining: Math.max(0, left),
        resetAt: (windowIndex + 1) * windowMs,
        giveBack: async () => {
          if (reserved === 1) await giveBackScript.exec(currentKeys, []);
        },
      };
    },
  };
}

export type LoginAttempts = ReturnType<typeof createLoginAttempts>;
