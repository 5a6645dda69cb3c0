import Argon2, { Argon2Type, Argon2Version, generateSalt } from "@phi-ag/argon2";
import type { PasswordHasher } from "../../deps.ts";
import { ARGON2ID_PARAMS } from "./argon2-params.ts";

const utf8 = new TextEncoder();

/**
 * argon2id in WebAssembly (@phi-ag/argon2), for runtimes without the native addon. The compiled
 * module comes from the door: Workers import `@phi-ag/argon2/argon2.wasm` as a module (they may not
 * compile WASM from bytes at run time); Node compiles the same file. Instantiated once, on first use.
 */
export function createWasmPasswordHasher(wasm: WebAssembly.Module): PasswordHasher {
  let argon2: Promise<Argon2> | undefined;
  const load = () => {
    argon2 ??= WebAssembly.instantiate(wasm).then((instance) => new Argon2(instance));
    return argon2;
  };

  return {
    async hash(password) {
      const { encoded } = (await load()).hash(asUtf8Length(password), {
        type: Argon2Type.Argon2id,
        version: Argon2Version.Version13,
        memoryCost: ARGON2ID_PARAMS.memoryKiB,
        timeCost: ARGON2ID_PARAMS.iterations,
        parallelism: ARGON2ID_PARAMS.parallelism,
        hashLength: ARGON2ID_PARAMS.hashLength,
        salt: generateSalt(ARGON2ID_PARAMS.saltLength),
      });
      return encoded;
    },
    async verify(phcHash, password) {
      try {
        return (await load()).tryVerify(phcHash, asUtf8Length(password)).success;
      } catch {
        // A malformed stored hash is a failed verification, not a crash.
        return false;
      }
    },
  };
}

/**
 * @phi-ag/argon2 copies the password to WASM as UTF-8 but passes its UTF-16 `length` as the byte
 * count, so any non-ASCII password is truncated and no longer matches the native hasher's hash.
 * Trailing NULs make `length` equal the UTF-8 byte count; argon2 reads exactly that many bytes,
 * i.e. the password's own bytes, and the padding is never hashed.
 */
function asUtf8Length(password: string): string {
  const missing = utf8.encode(password).length - password.length;
  return missing > 0 ? password + "\0".repeat(missing) : password;
}
