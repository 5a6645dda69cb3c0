import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodesOf, planOf } from "../support/explain.ts";
import { createUser, login, type Session } from "../support/factories.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";
import { createKey, withKey } from "./support.ts";

let ctx: TestContext;
let admin: Session;
let key: string;
beforeAll(async () => {
  ctx = await createTestContext({ env: { TRUST_PROXY: "true" } });
  const owner = await createUser(ctx, { role: "admin" });
  admin = await login(ctx, owner);
  key = (await createKey(ctx, admin, { scopes: ["tickets:read"] })).key;
});
afterAll(() => ctx.close());

/** The plan of the first statement a request sends that reads `table` and matches `shape`. */
async function planOfRequest(send: () => Response | Promise<Response>, table: string, shape: string) {
  const before = ctx.statements.length;
  expect((await send()).status).toBe(200);
  const statement = ctx.statements
    .slice(before)
    .find(({ query }) => query.includes(`from "${table}"`) && query.includes(shape));
  if (!statement) throw new Error(`no statement read ${table}`);
  return nodesOf(await planOf(ctx, statement));
}

describe("API key statements run off their indexes", () => {
  it("authenticates a key with one statement through the public id's unique index", async () => {
    const before = ctx.statements.length;
    const plan = await planOfRequest(() => withKey(ctx, key, "/v1/tickets?limit=1"), "api_keys", "public_id");
    expect(plan.some((node) => node["Index Name"] === "api_keys_public_id_key")).toBe(true);
    const keyStatements = ctx.statements.slice(before).filter(({ query }) => query.includes('"api_keys"'));
    expect(keyStatements.filter(({ query }) => query.startsWith("select"))).toHaveLength(1);
  });

  it.each([
    ["/v1/api-keys?limit=5", "api_keys_created_idx"],
    ["/v1/api-keys?limit=5&ownerId=", "api_keys_owner_created_idx"],
  ])("lists %s in index order (no Sort node)", async (path, index) => {
    const me = (await (await ctx.app.request("/v1/me", { headers: admin.headers })).json()) as { id: string };
    const url = path.endsWith("=") ? `${path}${me.id}` : path;
    const plan = await planOfRequest(
      () => ctx.app.request(url, { headers: admin.headers }),
      "api_keys",
      "order by",
    );
    expect(plan.map((node) => node["Node Type"])).not.toContain("Sort");
    expect(plan.some((node) => node["Index Name"] === index)).toBe(true);
  });
});
