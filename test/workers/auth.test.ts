import { describe, expect, it } from "vitest";
import { workerFetch } from "./support/requests.ts";

// Its own client address, so the per-IP rate limits of earlier runs (a real Redis keeps them) do
// not apply; Cloudflare's edge sets this header in production.
const callerIp = `10.${randomOctet()}.${randomOctet()}.${randomOctet()}`;

function randomOctet(): number {
  return 1 + Math.floor(Math.random() * 254);
}

function postJson(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return workerFetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", "CF-Connecting-IP": callerIp, ...headers },
    body: JSON.stringify(body),
  });
}

describe("signing up and in inside workerd", () => {
  it("registers, signs in and reads the account, each request with its own database client", async () => {
    // WASM argon2, a transaction over a per-request postgres.js client, rate limits through the
    // Upstash REST gateway and WebCrypto JWTs: the Worker-specific paths of the auth flow.
    const email = `worker-${crypto.randomUUID()}@example.com`;
    const password = "a long enough pässphrase for workerd";

    const registered = await postJson("/v1/auth/register", { email, password, name: "Worker Tester" });
    expect(registered.status).toBe(201);

    const wrong = await postJson("/v1/auth/login", { email, password: `${password}!` });
    expect(wrong.status).toBe(401);

    const signedIn = await postJson("/v1/auth/login", { email, password });
    expect(signedIn.status).toBe(200);
    const { accessToken } = (await signedIn.json()) as { accessToken: string };

    const me = await workerFetch("/v1/me", {
      headers: { Authorization: `Bearer ${accessToken}`, "CF-Connecting-IP": callerIp },
    });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ email, name: "Worker Tester" });
  });
});
