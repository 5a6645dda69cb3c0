import { z } from "@hono/zod-openapi";
import { dictionary } from "@zxcvbn-ts/language-common";

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 256;
/** The field message of every password refused as guessable, locally or by a breach check. */
export const TOO_COMMON_MESSAGE = "is too common; choose another";

let commonPasswords: Set<string> | undefined;

/**
 * True when the password is on zxcvbn-ts's list of common passwords (about 49,000, case-insensitive)
 * or is one short run of letters or digits repeated ("aaaaaaaa", "qwerqwer", "19841984"), which
 * the old shipped list held and a list of words misses.
 * Only entries long enough to pass the length rule are kept in memory.
 */
export function isCommonPassword(password: string): boolean {
  commonPasswords ??= new Set(
    dictionary["passwords-common"].filter((entry) => [...entry].length >= PASSWORD_MIN_LENGTH),
  );
  const lowered = password.toLowerCase();
  return commonPasswords.has(lowered) || /^([a-z0-9]{1,4})\1+$/.test(lowered);
}

/**
 * Context-specific words (ASVS 5.0 6.1.2): the product's name and its roles. A password built
 * only from them, give or take digits and punctuation ("Tixgenius2026!", "admin-admin"), is an
 * attacker's first guess against this service. docs/SECURITY.md lists them; a test keeps both
 * in step.
 */
export const CONTEXT_WORDS = [
  "tixgenius",
  "tix",
  "genius",
  "ticket",
  "tickets",
  "admin",
  "administrator",
  "manager",
  "developer",
  "reporter",
] as const;

/** True when the password's letters are nothing but context words, one or several in a row. */
export function isContextPassword(password: string): boolean {
  const letters = password.toLowerCase().replace(/[^\p{L}]/gu, "");
  if (letters.length === 0) return false;
  // Word break by dynamic programming: linear in the length, unlike a backtracking regex.
  const splits = [true];
  for (let end = 1; end <= letters.length; end++) {
    splits[end] = CONTEXT_WORDS.some(
      (word) => end >= word.length && splits[end - word.length] === true && letters.endsWith(word, end),
    );
  }
  return splits[letters.length] === true;
}

/**
 * A new password: 8 to 256 characters counted as code points (never truncated; the upper bound
 * caps the hashing work one request can cause), not a common password and not made of the
 * service's own words. Any composition is allowed: no character-class rules.
 */
export const NewPassword = z
  .string()
  .refine((password) => [...password].length >= PASSWORD_MIN_LENGTH, {
    error: `must be at least ${PASSWORD_MIN_LENGTH} characters`,
  })
  .refine((password) => [...password].length <= PASSWORD_MAX_LENGTH, {
    error: `must be at most ${PASSWORD_MAX_LENGTH} characters`,
  })
  .refine((password) => !isCommonPassword(password), { error: TOO_COMMON_MESSAGE })
  .refine((password) => !isContextPassword(password), {
    error: "is made of this service's own words; choose another",
  })
  .openapi({ minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH, format: "password" });

/** A password being checked (login, current password): bounded, but never judged. */
export const PresentedPassword = z
  .string()
  .min(1)
  .max(PASSWORD_MAX_LENGTH * 4)
  .openapi({ format: "password" });
