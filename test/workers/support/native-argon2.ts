import { createNativePasswordHasher } from "../../../src/adapters/passwords/native.ts";

const native = createNativePasswordHasher();

/**
 * A service binding that runs in Node, beside workerd: the Worker tests ask it to hash with the
 * native @node-rs/argon2 and to verify what the WASM hasher produced inside workerd.
 * POST /hash {password} → {phc}; POST /verify {phc, password} → {valid}.
 */
export async function nativeArgon2Service(request: Request): Promise<Response> {
  const { pathname } = new URL(request.url);
  const body = (await request.json()) as { password: string; phc?: string };
  if (request.method === "POST" && pathname === "/hash") {
    return Response.json({ phc: await native.hash(body.password) });
  }
  if (request.method === "POST" && pathname === "/verify") {
    return Response.json({ valid: await native.verify(body.phc ?? "", body.password) });
  }
  return new Response("not found", { status: 404 });
}
