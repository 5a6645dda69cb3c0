import { z } from "@hono/zod-openapi";
import { COMMON_PASSWORDS_TEXT } from "./common-passwords.ts";

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 256;

let commonPasswords: Set<string> | undefined;

/** True when the password is on the shipped list of 10,000 most common ones (case-insensitive). */
export function isCommonPassword(password: string): boolean {
  commonPasswords ??= new Set(COMMON_PASSWORDS_TEXT.split("\n").filter(Boolean));
  return commonPasswords.has(password.toLowerCase());
}

/**
 * A new password: 8 to 256 characters counted as code points (never truncated; the upper bound
 * caps the hashing work one request can cause) and not a common password.
 */
export const NewPassword = z
  .string()
  .refine((password) => [...password].length >= PASSWORD_MIN_LENGTH, {
    error: `must be at least ${PASSWORD_MIN_LENGTH} characters`,
  })
  .refine((password) => [...password].length <= PASSWORD_MAX_LENGTH, {
    error: `must be at most ${PASSWORD_MAX_LENGTH} characters`,
  })
  .refine((password) => !isCommonPassword(password), { error: "is too common; choose another" })
  .openapi({ minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH, format: "password" });

/** A password being checked (login, current password): bounded, but never judged. */
export const PresentedPassword = z
  .string()
  .min(1)
  .max(PASSWORD_MAX_LENGTH * 4)
  .openapi({ format: "password" });
