import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodesOf, planOf } from "../support/explain.ts";
import { createUser, login, type Session } from "../support/factories.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";

let ctx: TestContext;
let admin: Session;
beforeAll(async () => {
  ctx = await createTestContext({ env: { TRUST_PROXY: "true" } });
  admin = await login(ctx, await createUser(ctx, { role: "admin" }));
});
afterAll(() => ctx.close());

/** The plan of the list statement a GET sends (the one reading `table`). */
async function listPlan(path: string, table: string) {
  const before = ctx.statements.length;
  const response = await ctx.app.request(path, { headers: admin.headers });
  expect(response.status).toBe(200);
  const statement = ctx.statements
    .slice(before)
    .find(({ query }) => query.includes(`from "${table}"`) && query.includes("order by"));
  if (!statement) throw new Error(`no statement read ${table}`);
  return nodesOf(await planOf(ctx, statement));
}

describe("newest-first lists read their order off an index (no Sort node)", () => {
  it.each([
    ["/v1/users?limit=5", "users", "users_created_idx"],
    ["/v1/teams?limit=5", "teams", "teams_created_at_id_idx"],
    ["/v1/audit-log?limit=5", "audit_log", "audit_log_created_idx"],
  ])("%s", async (path, table, index) => {
    const first = await listPlan(path, table);
    expect(first.map((node) => node["Node Type"])).not.toContain("Sort");
    expect(first.some((node) => node["Index Name"] === index)).toBe(true);
  });
});
