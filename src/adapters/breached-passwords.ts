import type { Config } from "../config/schema.ts";
import type { BreachedPasswords } from "../deps.ts";
import type { Logger } from "../lib/logger.ts";

/** Deployed environments ask HIBP by default; development and tests stay offline unless told. */
export function breachCheckMode(config: Config): "off" | "hibp" {
  return (
    config.PASSWORD_BREACH_CHECK ??
    (config.NODE_ENV === "staging" || config.NODE_ENV === "production" ? "hibp" : "off")
  );
}

const neverAsked: BreachedPasswords = { isBreached: async () => undefined };

/** The breach check the config asks for; the same on Node and in workerd (fetch and WebCrypto). */
export function createBreachedPasswords(config: Config, logger: Logger): BreachedPasswords {
  if (breachCheckMode(config) === "off") return neverAsked;
  return createHibpRangeCheck({
    rangeUrl: config.PASSWORD_BREACH_CHECK_URL,
    timeoutMs: config.PASSWORD_BREACH_CHECK_TIMEOUT_MS,
    logger,
  });
}

/**
 * Have I Been Pwned's range API with k-anonymity: only the first 5 hex digits of the password's
 * SHA-1 leave; the answer lists every known suffix under that prefix, padded with decoys (count 0)
 * so its size says nothing either. Any failure or a missed deadline answers "unknown", and the
 * caller keeps the local check's verdict: a third party's outage never blocks a sign-up.
 */
export function createHibpRangeCheck(options: {
  rangeUrl: string;
  timeoutMs: number;
  logger: Logger;
}): BreachedPasswords {
  return {
    async isBreached(password) {
      const digest = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(password));
      const hex = [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
      const [prefix, suffix] = [hex.slice(0, 5).toUpperCase(), hex.slice(5).toUpperCase()];
      try {
        const response = await fetch(new URL(prefix, options.rangeUrl), {
          headers: { "Add-Padding": "true" },
          signal: AbortSignal.timeout(options.timeoutMs),
        });
        if (!response.ok) throw new Error(`range API answered ${response.status}`);
        for (const line of (await response.text()).split("\n")) {
          const [candidate, count] = line.trim().split(":");
          if (candidate?.toUpperCase() === suffix) return Number(count) > 0;
        }
        return false;
      } catch (error) {
        options.logger.warn("password breach check unavailable; the local check decides", { error });
        return undefined;
      }
    },
  };
}
