import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { createNativePasswordHasher } from "../../src/adapters/passwords/native.ts";
import { createWasmPasswordHasher } from "../../src/adapters/passwords/wasm.ts";
import type { PasswordHasher } from "../../src/deps.ts";

// m=19456 KiB, t=2, p=1 (ARGON2ID_PARAMS), a 16-byte salt and a 32-byte hash, unpadded base64.
const PHC_PARAMETERS = /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/;
const PASSWORDS = ["correct horse battery staple", "pässwörd with ünïcode 🔑", "nul\0inside"];

async function loadArgon2Wasm(): Promise<WebAssembly.Module> {
  const path = createRequire(import.meta.url).resolve("@phi-ag/argon2/argon2.wasm");
  return WebAssembly.compile(await readFile(path));
}

const hashers: Record<"native" | "wasm", PasswordHasher> = {
  native: createNativePasswordHasher(),
  wasm: createWasmPasswordHasher(await loadArgon2Wasm()),
};
const directions = [
  ["native", "wasm"],
  ["wasm", "native"],
  ["wasm", "wasm"],
] as const;

describe("argon2id password hashers (native on Node, WASM on Workers)", () => {
  it.each(Object.keys(hashers))("%s writes PHC strings with the OWASP parameters", async (name) => {
    const phc = await hashers[name as keyof typeof hashers].hash("password");

    expect(phc).toMatch(PHC_PARAMETERS);
  });

  describe.each(directions)("a hash made by %s, verified by %s", (maker, checker) => {
    it.each(PASSWORDS)("accepts the password and rejects others (%j)", async (password) => {
      const phc = await hashers[maker].hash(password);

      expect(await hashers[checker].verify(phc, password)).toBe(true);
      expect(await hashers[checker].verify(phc, `${password}x`)).toBe(false);
      expect(await hashers[checker].verify(phc, password.slice(0, -1))).toBe(false);
    });
  });

  it("salts every WASM hash", async () => {
    expect(await hashers.wasm.hash("same")).not.toBe(await hashers.wasm.hash("same"));
  });

  it.each([
    "",
    "plain text",
    "$argon2id$garbage",
    "$argon2id$v=19$m=19456,t=2,p=1$AAAA$BBBB",
    "$bcrypt$10$abcdefghijklmnopqrstuv",
  ])("WASM verify answers false for the malformed hash %j", async (phc) => {
    await expect(hashers.wasm.verify(phc, "password")).resolves.toBe(false);
  });
});
