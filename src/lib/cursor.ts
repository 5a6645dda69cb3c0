import { base64url } from "./crypto.ts";
import { BadRequestError } from "./errors.ts";

/**
 * Opaque keyset cursors: the sort key of the last row seen, base64url-encoded JSON. They are not
 * secrets (filters still apply on the next page), but a malformed one is a 400, never a 500.
 */
export function encodeCursor(values: readonly (string | number)[]): string {
  return base64url(new TextEncoder().encode(JSON.stringify(values)));
}

export function decodeCursor<T extends readonly unknown[]>(
  cursor: string,
  isValid: (values: unknown[]) => values is T extends unknown[] ? T : never,
): T {
  try {
    const padded = cursor.replaceAll("-", "+").replaceAll("_", "/");
    const json = new TextDecoder().decode(Uint8Array.from(atob(padded), (char) => char.charCodeAt(0)));
    const values: unknown = JSON.parse(json);
    if (Array.isArray(values) && isValid(values)) return values as unknown as T;
  } catch {
    // Falls through to the same error as a well-formed but wrong cursor.
  }
  throw new BadRequestError("The cursor is not valid for this list.", "invalid_cursor");
}
