import { beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_PASSWORD, freshIp, jsonRequest, type Session, uniqueEmail } from "../support/factories.ts";
import { createUser, login, signedIn } from "./support/accounts.ts";
import { workerFetch } from "./support/requests.ts";

let admin: Session;
beforeAll(async () => {
  admin = (await signedIn("admin")).session;
});

interface Entry {
  action: string;
  actorId: string | null;
  before: unknown;
  after: unknown;
}

async function auditOf(entityId: string, session = admin): Promise<Entry[]> {
  const response = await workerFetch(`/v1/audit-log?entityType=user&entityId=${entityId}&limit=100`, {
    headers: session.headers,
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { data: Entry[] }).data;
}

describe("audit log, idempotency and caching inside workerd", () => {
  it("records an idempotent user creation once and its disabling, readable by admins only", async () => {
    const body = {
      email: uniqueEmail("workers-audit"),
      name: "Audited",
      role: "developer",
      password: DEFAULT_PASSWORD,
    };
    const key = `workers-${crypto.randomUUID()}`;
    const create = () =>
      workerFetch("/v1/users", jsonRequest("POST", body, { ...admin.headers, "Idempotency-Key": key }));
    const first = await create();
    expect(first.status).toBe(201);
    const replay = await create();
    expect(replay.status).toBe(201);
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    const { id } = (await first.json()) as { id: string };
    expect(((await replay.json()) as { id: string }).id).toBe(id);

    const disabled = await workerFetch(
      `/v1/users/${id}`,
      jsonRequest("PATCH", { status: "disabled" }, admin.headers),
    );
    expect(disabled.status).toBe(200);

    const entries = await auditOf(id);
    expect(entries.map((entry) => entry.action)).toEqual(["session.revoked", "user.updated", "user.created"]);
    expect(entries[1]).toMatchObject({ before: { status: "active" }, after: { status: "disabled" } });
    // Neither the hash nor the password itself; `passwordChangeRequired` is a flag, not a secret.
    expect(JSON.stringify(entries)).not.toMatch(/argon2|passwordHash/i);
    expect(JSON.stringify(entries)).not.toContain(DEFAULT_PASSWORD);

    const manager = (await signedIn("manager")).session;
    const refused = await workerFetch("/v1/audit-log", { headers: manager.headers });
    expect(refused.status).toBe(403);
  });

  it("records a self-registration with the caller's address and agent", async () => {
    const ip = freshIp();
    const response = await workerFetch(
      "/v1/auth/register",
      jsonRequest(
        "POST",
        { email: uniqueEmail("workers-reg"), password: DEFAULT_PASSWORD, name: "Self Made" },
        { "CF-Connecting-IP": ip, "User-Agent": "workerd-signup" },
      ),
    );
    expect(response.status).toBe(201);
    const { id } = (await response.json()) as { id: string };
    const [entry] = await auditOf(id);
    expect(entry).toMatchObject({ action: "user.registered", actorId: id, ip, userAgent: "workerd-signup" });
  });

  it("answers If-None-Match on GET /v1/me with 304 and no body", async () => {
    const session = await login(await createUser());
    const first = await workerFetch("/v1/me", { headers: session.headers });
    expect(first.status).toBe(200);
    expect(first.headers.get("ETag")).toBe('"1"');
    expect(first.headers.get("Cache-Control")).toBe("private, no-cache");
    const again = await workerFetch("/v1/me", { headers: { ...session.headers, "If-None-Match": '"1"' } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
    expect(again.headers.get("Vary")).toMatch(/Authorization/);
  });
});
