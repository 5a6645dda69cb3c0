import { and, eq, inArray } from "drizzle-orm";
import type { Database } from "../../db/database.ts";
import { categories, developerProfiles, developerSkills, users } from "../../db/schema.ts";
import { ValidationError } from "../../lib/errors.ts";
import { openLoadOf, type Skill, skillsOf } from "./queries.ts";
import type { DeveloperProfile } from "./schemas.ts";

type Reader = Pick<Database, "select">;
export type ProfileRow = typeof developerProfiles.$inferSelect;

/** The stored profile with skills and open load, or null for unknown users and non-developers. */
export async function loadProfile(db: Reader, userId: string): Promise<DeveloperProfile | null> {
  const [row] = await db
    .select({ profile: developerProfiles, openLoad: openLoadOf(users.id) })
    .from(developerProfiles)
    .innerJoin(users, eq(users.id, developerProfiles.userId))
    .where(and(eq(developerProfiles.userId, userId), eq(users.role, "developer")))
    .limit(1);
  if (!row) return null;
  const skills = (await skillsOf(db, [userId])).get(userId) ?? [];
  const { profile } = row;
  return {
    userId: profile.userId,
    skills,
    capacity: profile.capacity,
    availability: profile.availability,
    timezone: profile.timezone,
    lastAssignedAt: profile.lastAssignedAt?.toISOString() ?? null,
    openLoad: row.openLoad,
    createdAt: profile.createdAt.toISOString(),
    updatedAt: profile.updatedAt.toISOString(),
    version: profile.version,
  };
}

export async function replaceSkills(
  tx: Pick<Database, "delete" | "insert">,
  userId: string,
  skills: Skill[],
) {
  await tx.delete(developerSkills).where(eq(developerSkills.userId, userId));
  if (skills.length > 0)
    await tx.insert(developerSkills).values(skills.map((skill) => ({ userId, ...skill })));
}

export async function assertCategoriesExist(tx: Reader, skills: Skill[]): Promise<void> {
  if (skills.length === 0) return;
  const ids = skills.map((skill) => skill.categoryId);
  const found = new Set(
    (await tx.select({ id: categories.id }).from(categories).where(inArray(categories.id, ids))).map(
      (row) => row.id,
    ),
  );
  const errors = skills.flatMap((skill, index) =>
    found.has(skill.categoryId)
      ? []
      : [{ path: `body.skills.${index}.categoryId`, message: "no such category" }],
  );
  if (errors.length > 0) throw new ValidationError(errors, "A skill names a category that does not exist.");
}

export function audited(row: ProfileRow, skills: Skill[]) {
  return {
    capacity: row.capacity,
    availability: row.availability,
    timezone: row.timezone,
    skills: sorted(skills),
    version: row.version,
  };
}

export function sorted(skills: Skill[]): Skill[] {
  return [...skills]
    .map((skill) => ({ categoryId: skill.categoryId.toLowerCase(), level: skill.level }))
    .sort((a, b) => (a.categoryId < b.categoryId ? -1 : a.categoryId > b.categoryId ? 1 : 0));
}
