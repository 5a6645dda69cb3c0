import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Clock } from "../../src/deps.ts";
import { createUser, jsonRequest, login, type Session } from "../support/factories.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";
import { createKey, problemOf, withKey } from "./support.ts";

/** A clock the test moves: the app reads expiry against it. */
let offsetMs = 0;
const clock: Clock = { now: () => new Date(Date.now() + offsetMs) };

let ctx: TestContext;
let admin: Session;
beforeAll(async () => {
  ctx = await createTestContext({ env: { TRUST_PROXY: "true" }, clock });
  admin = await login(ctx, await createUser(ctx, { role: "admin" }));
});
afterAll(() => ctx.close());

const patchUser = (id: string, body: unknown) =>
  ctx.app.request(`/v1/users/${id}`, jsonRequest("PATCH", body, admin.headers));

describe("API keys follow their owner and their expiry", () => {
  it("loses an admin's power at the next request when the owner is demoted", async () => {
    const owner = await createUser(ctx, { role: "admin" });
    const { key } = await createKey(ctx, await login(ctx, owner), { scopes: ["users:read", "tickets:read"] });
    expect((await withKey(ctx, key, "/v1/users")).status).toBe(200);

    expect((await patchUser(owner.id, { role: "reporter" })).status).toBe(200);

    const demoted = await withKey(ctx, key, "/v1/users");
    expect(demoted.status).toBe(403);
    expect(((await demoted.json()) as { code: string }).code).toBe("role_forbidden");
    expect((await withKey(ctx, key, "/v1/tickets")).status).toBe(200);
  });

  it("stops working when the owner is disabled, and again when re-enabled (revocation stays with the key)", async () => {
    const owner = await createUser(ctx, { role: "developer" });
    const { key } = await createKey(ctx, await login(ctx, owner), { scopes: ["tickets:read"] });
    const unknown = await problemOf(
      await withKey(ctx, `tix_test_${"C".repeat(12)}_${"D".repeat(49)}`, "/v1/tickets"),
    );

    expect((await patchUser(owner.id, { status: "disabled" })).status).toBe(200);
    expect(await problemOf(await withKey(ctx, key, "/v1/tickets"))).toEqual(unknown);

    expect((await patchUser(owner.id, { status: "active" })).status).toBe(200);
    expect((await withKey(ctx, key, "/v1/tickets")).status).toBe(200);
  });

  it("expires at expiresAt, read against the clock on every request", async () => {
    const owner = await createUser(ctx, { role: "developer" });
    const created = await createKey(ctx, await login(ctx, owner), {
      scopes: ["tickets:read"],
      expiresInDays: 1,
    });
    expect(Date.parse(created.expiresAt ?? "")).toBeGreaterThan(clock.now().getTime() + 86_399_000);
    expect((await withKey(ctx, created.key, "/v1/tickets")).status).toBe(200);

    offsetMs = 86_400_000 + 1_000;
    try {
      const expired = await withKey(ctx, created.key, "/v1/tickets");
      expect(expired.status).toBe(401);
      expect(((await expired.json()) as { code: string }).code).toBe("invalid_token");
    } finally {
      offsetMs = 0;
    }
  });

  it("refuses a key for a disabled account and an unknown account", async () => {
    const disabled = await createUser(ctx, { role: "developer", status: "disabled" });
    for (const [ownerId, status, code] of [
      [disabled.id, 409, "owner_disabled"],
      [crypto.randomUUID(), 404, "user_not_found"],
    ] as const) {
      const response = await ctx.app.request(
        "/v1/api-keys",
        jsonRequest("POST", { name: "Bot", scopes: ["tickets:read"], ownerId }, admin.headers),
      );
      expect(response.status).toBe(status);
      expect(((await response.json()) as { code: string }).code).toBe(code);
    }
  });
});
