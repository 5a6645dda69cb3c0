import { env } from "cloudflare:workers";
import argon2Wasm from "@phi-ag/argon2/argon2.wasm";
import { describe, expect, it } from "vitest";
import { createWasmPasswordHasher } from "../../src/adapters/passwords/wasm.ts";

const PHC_PARAMETERS = /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/;
const PASSWORDS = ["correct horse battery staple", "pässwörd with ünïcode 🔑"];

interface NativeArgon2 {
  fetch(input: string, init: RequestInit): Promise<Response>;
}

// The native side runs in Node (vitest.workers.config.ts binds it), so each direction crosses
// the runtime boundary exactly as hashes do between the Node and Workers deployments.
const native = env.NATIVE_ARGON2 as NativeArgon2;

async function nativeHash(password: string): Promise<string> {
  const response = await native.fetch("http://native/hash", {
    method: "POST",
    body: JSON.stringify({ password }),
  });
  return ((await response.json()) as { phc: string }).phc;
}

async function nativeVerify(phc: string, password: string): Promise<boolean> {
  const response = await native.fetch("http://native/verify", {
    method: "POST",
    body: JSON.stringify({ phc, password }),
  });
  return ((await response.json()) as { valid: boolean }).valid;
}

describe("the WASM argon2id hasher inside workerd", () => {
  const hasher = createWasmPasswordHasher(argon2Wasm);

  it.each(PASSWORDS)("verifies a hash made by @node-rs/argon2 on Node (%s)", async (password) => {
    const phc = await nativeHash(password);

    expect(await hasher.verify(phc, password)).toBe(true);
    expect(await hasher.verify(phc, `${password}!`)).toBe(false);
  });

  it.each(PASSWORDS)("makes hashes that @node-rs/argon2 on Node verifies (%s)", async (password) => {
    const phc = await hasher.hash(password);

    expect(phc).toMatch(PHC_PARAMETERS);
    expect(await nativeVerify(phc, password)).toBe(true);
    expect(await nativeVerify(phc, `${password}!`)).toBe(false);
  });

  it("salts every hash", async () => {
    expect(await hasher.hash("same password")).not.toBe(await hasher.hash("same password"));
  });

  it("treats a malformed stored hash as a failed verification", async () => {
    for (const phc of ["", "not a hash", "$argon2id$v=19$m=19456,t=2,p=1$AAAA$BBBB", "$argon2id$garbage"]) {
      expect(await hasher.verify(phc, "password")).toBe(false);
    }
  });
});
