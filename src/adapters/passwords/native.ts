import { hash, verify } from "@node-rs/argon2";
import type { PasswordHasher } from "../../deps.ts";
import { ARGON2ID_PARAMS } from "./argon2-params.ts";

// @node-rs/argon2 declares Algorithm as an ambient const enum, which isolated modules cannot read.
const ARGON2ID_ALGORITHM = 2;

/** argon2id through the native @node-rs/argon2 addon (Node only). */
export function createNativePasswordHasher(): PasswordHasher {
  return {
    hash: (password) =>
      hash(password, {
        algorithm: ARGON2ID_ALGORITHM,
        memoryCost: ARGON2ID_PARAMS.memoryKiB,
        timeCost: ARGON2ID_PARAMS.iterations,
        parallelism: ARGON2ID_PARAMS.parallelism,
        outputLen: ARGON2ID_PARAMS.hashLength,
      }),
    verify: async (phcHash, password) => {
      try {
        return await verify(phcHash, password);
      } catch {
        // A malformed stored hash is a failed verification, not a crash.
        return false;
      }
    },
  };
}
