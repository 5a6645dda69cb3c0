import type { Config } from "../../config/schema.ts";
import { base64url } from "../../lib/crypto.ts";

/**
 * A queued mail's data holds the link with its token, and the token is stored only hashed
 * elsewhere: so the data is sealed (AES-256-GCM under a key derived from JWT_SECRET) while it
 * waits in the jobs table. Rotating JWT_SECRET makes queued mail unreadable: it fails, unsent.
 */
const keys = new WeakMap<Config, Promise<CryptoKey>>();

function sealingKey(config: Config): Promise<CryptoKey> {
  let key = keys.get(config);
  if (!key) {
    key = crypto.subtle
      .digest("SHA-256", new TextEncoder().encode(`mail-payload:${config.JWT_SECRET}`))
      .then((raw) => crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]));
    keys.set(config, key);
  }
  return key;
}

export async function sealMailData(config: Config, data: unknown): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const plain = new TextEncoder().encode(JSON.stringify(data));
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt({ name: "AES-GCM", iv }, await sealingKey(config), plain),
  );
  const joined = new Uint8Array(iv.length + sealed.length);
  joined.set(iv);
  joined.set(sealed, iv.length);
  return base64url(joined);
}

/** Throws when the data was not sealed under this config's key (or was altered). */
export async function openMailData(config: Config, sealed: string): Promise<unknown> {
  const bytes = Uint8Array.from(atob(sealed.replaceAll("-", "+").replaceAll("_", "/")), (character) =>
    character.charCodeAt(0),
  );
  const plain = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: bytes.slice(0, 12) },
    await sealingKey(config),
    bytes.slice(12),
  );
  return JSON.parse(new TextDecoder().decode(plain));
}
