import { categories } from "../../../src/db/schema.ts";
import { jsonRequest, type Session } from "../factories.ts";
import type { TestContext } from "../test-context.ts";
import { uniqueName } from "./teams.ts";

export interface TestCategory {
  id: string;
  name: string;
  description: string;
  parentId: string | null;
  defaultTeamId: string | null;
  version: number;
}

export async function createCategoryAs(
  ctx: TestContext,
  session: Session,
  overrides: Partial<Pick<TestCategory, "name" | "description" | "parentId" | "defaultTeamId">> = {},
): Promise<TestCategory> {
  const response = await ctx.app.request(
    "/v1/categories",
    jsonRequest("POST", { name: uniqueName("Category"), ...overrides }, session.headers),
  );
  if (response.status !== 201)
    throw new Error(`category failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as TestCategory;
}

export async function insertCategory(ctx: TestContext, parentId: string | null = null) {
  const [row] = await ctx.deps.db
    .insert(categories)
    .values({ name: uniqueName("Category"), parentId })
    .returning();
  if (!row) throw new Error("insert returned nothing");
  return row;
}
