import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { apiKeys } from "../../src/db/schema.ts";
import { createUser, login, type Session } from "../support/factories.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";
import { createKey, withKey } from "./support.ts";

let ctx: TestContext;
let owner: Session;
beforeAll(async () => {
  ctx = await createTestContext({ env: { TRUST_PROXY: "true", RATE_LIMIT_READ: "3/60" } });
  owner = await login(ctx, await createUser(ctx, { role: "developer" }));
});
afterAll(() => ctx.close());

const lastUsedAtOf = async (id: string) =>
  (await ctx.deps.db.select({ at: apiKeys.lastUsedAt }).from(apiKeys).where(eq(apiKeys.id, id)))[0]?.at;

describe("API key usage", () => {
  it("limits each key on its own budget, apart from its owner's and the owner's other keys", async () => {
    const busy = await createKey(ctx, owner, { scopes: ["tickets:read"] });
    const quiet = await createKey(ctx, owner, { scopes: ["tickets:read"] });

    for (let index = 0; index < 3; index++)
      expect((await withKey(ctx, busy.key, "/v1/tickets")).status).toBe(200);
    const limited = await withKey(ctx, busy.key, "/v1/tickets");
    expect(limited.status).toBe(429);
    expect(limited.headers.get("Retry-After")).toMatch(/^\d+$/);

    expect((await withKey(ctx, quiet.key, "/v1/tickets")).status).toBe(200);
    expect((await ctx.app.request("/v1/tickets", { headers: owner.headers })).status).toBe(200);
  });

  it("records lastUsedAt after the response, at most once a minute", async () => {
    const created = await createKey(ctx, owner, { scopes: ["tickets:read"] });
    expect(created.lastUsedAt).toBeNull();
    const updatesOf = (from: number) =>
      ctx.queries.slice(from).filter((query) => /^update "api_keys"/i.test(query)).length;

    const first = ctx.queries.length;
    expect((await withKey(ctx, created.key, "/v1/tickets")).status).toBe(200);
    await vi.waitFor(async () => expect(await lastUsedAtOf(created.id)).toBeInstanceOf(Date));
    expect(updatesOf(first)).toBe(1);

    const second = ctx.queries.length;
    expect((await withKey(ctx, created.key, "/v1/tickets")).status).toBe(200);
    expect((await withKey(ctx, created.key, "/v1/tickets")).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(updatesOf(second)).toBe(0);
  });
});
