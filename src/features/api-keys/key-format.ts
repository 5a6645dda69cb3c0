import { sha256Hex } from "../../lib/crypto.ts";

/**
 * An API key reads `tix_<env>_<public id>_<secret><checksum>`:
 * - `env` is `live` in production and `test` elsewhere, so a key pasted into the wrong place is
 *   recognised at a glance, and a server refuses the other environment's keys outright;
 * - the public id (12 base62 characters) names the row; it is not secret and shows in lists;
 * - the secret is 43 base62 characters drawn uniformly (256.03 bits);
 * - the checksum is the CRC32 of everything before it in 6 base62 characters, as GitHub's tokens
 *   carry, so secret scanners (and this server, before any database lookup) reject typos and
 *   look-alikes offline.
 * Only the SHA-256 of the whole key is stored: a 256-bit random secret needs no slow hash.
 */
export const API_KEY_PATTERN = /^tix_(live|test)_([0-9A-Za-z]{12})_([0-9A-Za-z]{43})([0-9A-Za-z]{6})$/;

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const PUBLIC_ID_LENGTH = 12;
const SECRET_LENGTH = 43;
const CHECKSUM_LENGTH = 6;

export type KeyEnvironment = "live" | "test";

export function keyEnvironmentOf(nodeEnv: string): KeyEnvironment {
  return nodeEnv === "production" ? "live" : "test";
}

export interface NewApiKey {
  key: string;
  publicId: string;
  secretHash: string;
}

export async function generateApiKey(environment: KeyEnvironment): Promise<NewApiKey> {
  const publicId = randomBase62(PUBLIC_ID_LENGTH);
  const body = `tix_${environment}_${publicId}_${randomBase62(SECRET_LENGTH)}`;
  const key = `${body}${checksumOf(body)}`;
  return { key, publicId, secretHash: await hashApiKey(key) };
}

/** The key's public id if it is well formed, of this environment and its checksum holds. */
export function parseApiKey(key: string, environment: KeyEnvironment): string | undefined {
  const match = API_KEY_PATTERN.exec(key);
  if (!match || match[1] !== environment) return undefined;
  const checksum = match[4] as string;
  if (checksumOf(key.slice(0, -CHECKSUM_LENGTH)) !== checksum) return undefined;
  return match[2];
}

export function hashApiKey(key: string): Promise<string> {
  return sha256Hex(key);
}

/** Uniform base62: bytes at or above 248 (= 4 × 62) are dropped, so no character is favoured. */
function randomBase62(length: number): string {
  let text = "";
  while (text.length < length) {
    for (const byte of crypto.getRandomValues(new Uint8Array(length * 2))) {
      if (byte < 248 && text.length < length) text += BASE62[byte % 62];
    }
  }
  return text;
}

function checksumOf(text: string): string {
  let value = crc32(new TextEncoder().encode(text));
  let encoded = "";
  for (let index = 0; index < CHECKSUM_LENGTH; index++) {
    encoded = BASE62[value % 62] + encoded;
    value = Math.floor(value / 62);
  }
  return encoded;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, index) => {
  let value = index;
  for (let bit = 0; bit < 8; bit++) value = value & 1 ? 0xedb88320 ^ (value >>> 1) : value >>> 1;
  return value >>> 0;
});

/** CRC-32 (IEEE 802.3, as zlib computes it), unsigned. */
export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = (CRC_TABLE[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
