import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { freshIp, jsonRequest, type Session } from "../support/factories.ts";
import { createUser, login, signedIn } from "./support/accounts.ts";
import { workerFetchWith } from "./support/requests.ts";

interface CreatedKey {
  id: string;
  key: string;
}

let admin: Session;
const issued: string[] = [];
const logged: string[] = [];
/**
 * Every request of this file goes to an app built for this env, after the console is captured:
 * every console method the logger writes with is recorded, and the suite's own env logs warnings only.
 */
const loud = { ...env, LOG_LEVEL: "debug" };
beforeAll(async () => {
  for (const method of ["log", "info", "warn", "error"] as const) {
    const original = console[method].bind(console);
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      logged.push(args.map(String).join(" "));
      original(...args);
    });
  }
  admin = (await signedIn("admin")).session;
});
const send = (path: string, init?: RequestInit) => workerFetchWith(loud, path, init);

async function createKey(session: Session, body: Record<string, unknown>): Promise<CreatedKey> {
  const response = await send(
    "/v1/api-keys",
    jsonRequest("POST", { name: `Workers key ${crypto.randomUUID().slice(0, 8)}`, ...body }, session.headers),
  );
  expect(response.status, await response.clone().text()).toBe(201);
  const created = (await response.json()) as CreatedKey;
  issued.push(created.key);
  return created;
}

const withKey = (key: string, path: string, init: RequestInit = {}) =>
  send(path, {
    ...init,
    headers: { Authorization: `Bearer ${key}`, "CF-Connecting-IP": freshIp(), ...(init.headers ?? {}) },
  });
const codeOf = async (response: Response) => ((await response.json()) as { code: string }).code;
const patchUser = (id: string, body: unknown) =>
  send(`/v1/users/${id}`, jsonRequest("PATCH", body, admin.headers));
/** The refusal without what differs per request. */
async function refusal(response: Response) {
  const {
    requestId: _id,
    instance: _instance,
    ...problem
  } = (await response.json()) as Record<string, unknown>;
  return { status: response.status, problem };
}

describe("API keys inside workerd", () => {
  afterEach(() => {
    for (const key of issued) expect(logged.join("\n")).not.toContain(key.slice(22, 65));
  });

  it("creates a key, uses it within its scope and refuses it outside", async () => {
    const { session } = await signedIn("developer");
    const { key } = await createKey(session, { scopes: ["tickets:read"] });

    expect((await withKey(key, "/v1/tickets")).status).toBe(200);
    const write = await withKey(key, "/v1/tickets", jsonRequest("POST", { title: "From a key" }));
    expect(write.status).toBe(403);
    expect(await codeOf(write)).toBe("scope_forbidden");
    const mint = await withKey(
      key,
      "/v1/api-keys",
      jsonRequest("POST", { name: "x", scopes: ["tickets:read"] }),
    );
    expect(mint.status).toBe(403);
    expect(await codeOf(mint)).toBe("api_key_not_allowed");
  });

  it("loses power when its owner is demoted, and stops when the owner is disabled", async () => {
    const owner = await createUser({ role: "admin" });
    const { key } = await createKey(await login(owner), { scopes: ["users:read"] });
    expect((await withKey(key, "/v1/users")).status).toBe(200);

    expect((await patchUser(owner.id, { role: "developer" })).status).toBe(200);
    const demoted = await withKey(key, "/v1/users");
    expect(demoted.status).toBe(403);
    expect(await codeOf(demoted)).toBe("role_forbidden");

    expect((await patchUser(owner.id, { status: "disabled" })).status).toBe(200);
    expect((await withKey(key, "/v1/me")).status).toBe(401);
  });

  it("is refused at once when revoked or expired, exactly like an unknown key", async () => {
    const { session } = await signedIn("reporter");
    const revoked = await createKey(session, { scopes: ["tickets:read"] });
    const expiring = await createKey(session, { scopes: ["tickets:read"], expiresInDays: 30 });
    expect((await withKey(revoked.key, "/v1/tickets")).status).toBe(200);
    expect((await withKey(expiring.key, "/v1/tickets")).status).toBe(200);

    const revoke = await send(`/v1/api-keys/${revoked.id}`, {
      method: "DELETE",
      headers: session.headers,
    });
    expect(revoke.status).toBe(204);
    const fixtures = env.TEST_FIXTURES as { fetch(url: string, init: RequestInit): Promise<Response> };
    const expire = await fixtures.fetch("http://fixtures/api-keys/expire", {
      method: "POST",
      body: JSON.stringify({ id: expiring.id }),
    });
    expect(expire.status).toBe(204);

    const unknown = await refusal(
      await withKey(`tix_test_${"E".repeat(12)}_${"F".repeat(49)}`, "/v1/tickets"),
    );
    expect(unknown.status).toBe(401);
    expect(await refusal(await withKey(revoked.key, "/v1/tickets"))).toEqual(unknown);
    expect(await refusal(await withKey(expiring.key, "/v1/tickets"))).toEqual(unknown);
  });

  it("limits each key on its own budget", async () => {
    const strict = { ...loud, RATE_LIMIT_READ: "2/60", RATE_LIMIT_TIMEOUT_MS: "5000" };
    const { session } = await signedIn("developer");
    const busy = await createKey(session, { scopes: ["tickets:read"] });
    const quiet = await createKey(session, { scopes: ["tickets:read"] });
    const read = (key: string) =>
      workerFetchWith(strict, "/v1/tickets", {
        headers: { Authorization: `Bearer ${key}`, "CF-Connecting-IP": freshIp() },
      });

    expect((await read(busy.key)).status).toBe(200);
    expect((await read(busy.key)).status).toBe(200);
    const limited = await read(busy.key);
    expect(limited.status).toBe(429);
    expect(await codeOf(limited)).toBe("rate_limited");
    expect((await read(quiet.key)).status).toBe(200);
    // The request log names the key by id: the captured lines are the ones the keys must stay out of.
    expect(logged.join("\n")).toContain(busy.id);
  });
});
