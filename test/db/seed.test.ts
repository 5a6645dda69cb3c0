import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { users } from "../../src/db/schema.ts";
import { ensureAdmin } from "../../src/db/seed/ensure-admin.ts";
import { SeedConfigSchema } from "../../src/db/seed/seed-config.ts";
import { createUser, login, uniqueEmail } from "../support/factories.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ env: { TRUST_PROXY: "true" } });
});
afterAll(() => ctx.close());

describe("ensureAdmin (npm run db:seed)", () => {
  it("creates the admin once and is idempotent", async () => {
    const admin = { email: uniqueEmail("seed-admin"), password: "a seeded admin password" };
    expect(await ensureAdmin(ctx.deps.db, ctx.deps.passwords, admin)).toBe("created");
    expect(
      await ensureAdmin(ctx.deps.db, ctx.deps.passwords, { ...admin, email: admin.email.toUpperCase() }),
    ).toBe("unchanged");
    const rows = await ctx.deps.db
      .select()
      .from(users)
      .where(sql`lower(${users.email}) = lower(${admin.email})`);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.role).toBe("admin");
    await expect(login(ctx, admin)).resolves.toBeDefined();
  });

  it("promotes an existing account without touching its password", async () => {
    const existing = await createUser(ctx, { role: "reporter", status: "disabled" });
    const outcome = await ensureAdmin(ctx.deps.db, ctx.deps.passwords, {
      email: existing.email,
      password: "some other password entirely",
    });
    expect(outcome).toBe("promoted");
    await expect(login(ctx, existing)).resolves.toBeDefined();
  });
});

describe("seed configuration", () => {
  it("has documented development defaults", () => {
    const config = SeedConfigSchema.parse({ NODE_ENV: "development" });
    expect(config.ADMIN_EMAIL).toBe("admin@tixgenius.local");
  });

  it.each(["staging", "production"])("requires ADMIN_EMAIL and ADMIN_PASSWORD in %s", (env) => {
    const result = SeedConfigSchema.safeParse({ NODE_ENV: env });
    expect(result.success).toBe(false);
    const keys = result.error?.issues.map((issue) => issue.path[0]).sort();
    expect(keys).toEqual(["ADMIN_EMAIL", "ADMIN_PASSWORD"]);
  });

  it("refuses a common admin password", () => {
    expect(SeedConfigSchema.safeParse({ ADMIN_EMAIL: "a@b.co", ADMIN_PASSWORD: "qwerty123" }).success).toBe(
      false,
    );
  });
});
