/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): HMAC-SHA256 over
 * `${webhook-id}.${webhook-timestamp}.${body}` keyed by the base64 part of a `whsec_` secret,
 * sent as `v1,<base64>`; several signatures are separated by spaces (a rotation's overlap).
 * Web Crypto only, so Node and Workers sign alike.
 */

const SECRET_PREFIX = "whsec_";
/** 32 bytes: the specification asks for 24 to 64. */
const SECRET_BYTES = 32;

export function generateSigningSecret(): string {
  return SECRET_PREFIX + toBase64(crypto.getRandomValues(new Uint8Array(SECRET_BYTES)));
}

export interface SignedHeaders {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
}

export async function signatureOf(secret: string, messageId: string, timestamp: number, body: string) {
  const key = await crypto.subtle.importKey(
    "raw",
    fromBase64(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const signed = new TextEncoder().encode(`${messageId}.${timestamp}.${body}`);
  return `v1,${toBase64(new Uint8Array(await crypto.subtle.sign("HMAC", key, signed)))}`;
}

/** The three headers for one message, signed with every secret given (current first). */
export async function signedHeaders(
  secrets: readonly string[],
  messageId: string,
  timestamp: Date,
  body: string,
): Promise<SignedHeaders> {
  const seconds = Math.floor(timestamp.getTime() / 1000);
  const signatures = await Promise.all(
    secrets.map((secret) => signatureOf(secret, messageId, seconds, body)),
  );
  return {
    "webhook-id": messageId,
    "webhook-timestamp": String(seconds),
    "webhook-signature": signatures.join(" "),
  };
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
}
