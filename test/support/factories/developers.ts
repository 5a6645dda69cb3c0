import { developerProfiles, developerSkills } from "../../../src/db/schema.ts";
import type { TestContext } from "../test-context.ts";

/** Stores a profile (and skills) directly. */
export async function insertProfile(
  ctx: TestContext,
  userId: string,
  profile: Partial<Omit<typeof developerProfiles.$inferInsert, "userId">> & {
    skills?: { categoryId: string; level: number }[];
  } = {},
) {
  const { skills = [], ...fields } = profile;
  await ctx.deps.db.insert(developerProfiles).values({ userId, ...fields });
  if (skills.length > 0)
    await ctx.deps.db.insert(developerSkills).values(skills.map((skill) => ({ userId, ...skill })));
}
