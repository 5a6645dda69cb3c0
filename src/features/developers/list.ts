import { and, asc, count, eq, gt, type SQL, sql } from "drizzle-orm";
import { developerProfiles, developerSkills, teamMembers, users } from "../../db/schema.ts";
import type { Deps } from "../../deps.ts";
import { invalidCursor, isUuid } from "../../lib/keyset.ts";
import { cursorValues, pageOf } from "../../lib/list.ts";
import { sharedCacheOf } from "../../lib/shared-cache.ts";
import { DEVELOPERS_CACHE, DEVELOPERS_CACHE_TTL_SECONDS } from "./cache.ts";
import { DEFAULT_PROFILE, openLoadOf, type Skill } from "./queries.ts";
import type { Developer, DeveloperListQuery } from "./schemas.ts";

/** A developer's skills as one JSON array, so a whole page needs no second query. */
const skillsJson = sql<
  Skill[] | string
>`coalesce((select json_agg(json_build_object('categoryId', ${developerSkills.categoryId}, 'level', ${developerSkills.level}) order by ${developerSkills.categoryId}) from ${developerSkills} where ${developerSkills.userId} = ${users.id}), '[]'::json)`;

/**
 * Active users with the developer role, by id over the users primary key, with their profile
 * (defaults when none is stored), skills and open load: ONE statement per page whatever its size,
 * plus one for `total`. Read through the shared "developers" cache.
 */
export function listDevelopers(deps: Deps, query: DeveloperListQuery) {
  const key = `list:${query.teamId ?? ""}:${query.availability ?? ""}:${query.categoryId ?? ""}:${query.limit}:${query.cursor ?? ""}:${query.count ? 1 : 0}`;
  return sharedCacheOf(deps).read(DEVELOPERS_CACHE, key, DEVELOPERS_CACHE_TTL_SECONDS, async () => {
    const filters = developerFilters(query);
    let after: SQL | undefined;
    if (query.cursor) {
      const [lastId] = cursorValues(query.cursor, 1);
      if (typeof lastId !== "string" || !isUuid(lastId)) throw invalidCursor();
      after = gt(users.id, lastId);
    }
    const rows = await deps.db
      .select({
        userId: users.id,
        name: users.name,
        email: users.email,
        capacity: developerProfiles.capacity,
        availability: developerProfiles.availability,
        timezone: developerProfiles.timezone,
        lastAssignedAt: developerProfiles.lastAssignedAt,
        version: developerProfiles.version,
        openLoad: openLoadOf(),
        skills: skillsJson,
      })
      .from(users)
      .leftJoin(developerProfiles, eq(developerProfiles.userId, users.id))
      .where(and(filters, after))
      .orderBy(asc(users.id))
      .limit(query.limit + 1);
    const { page, nextCursor } = pageOf(rows, query.limit, (row) => [row.userId]);
    const data: Developer[] = page.map((row) => ({
      userId: row.userId,
      name: row.name,
      email: row.email,
      skills: typeof row.skills === "string" ? (JSON.parse(row.skills) as Skill[]) : row.skills,
      capacity: row.capacity ?? DEFAULT_PROFILE.capacity,
      availability: row.availability ?? DEFAULT_PROFILE.availability,
      timezone: row.timezone ?? DEFAULT_PROFILE.timezone,
      lastAssignedAt: row.lastAssignedAt ? new Date(row.lastAssignedAt).toISOString() : null,
      openLoad: row.openLoad,
      profileVersion: row.version ?? null,
    }));
    if (!query.count) return { data, nextCursor };
    const [total] = await deps.db
      .select({ total: count() })
      .from(users)
      .leftJoin(developerProfiles, eq(developerProfiles.userId, users.id))
      .where(filters);
    return { data, nextCursor, total: total?.total ?? 0 };
  });
}

function developerFilters(query: DeveloperListQuery): SQL | undefined {
  return and(
    eq(users.role, "developer"),
    eq(users.status, "active"),
    query.teamId
      ? sql`exists (select 1 from ${teamMembers} where ${teamMembers.teamId} = ${query.teamId} and ${teamMembers.userId} = ${users.id})`
      : undefined,
    query.availability
      ? sql`coalesce(${developerProfiles.availability}, ${DEFAULT_PROFILE.availability}) = ${query.availability}`
      : undefined,
    query.categoryId
      ? sql`exists (select 1 from ${developerSkills} where ${developerSkills.categoryId} = ${query.categoryId} and ${developerSkills.userId} = ${users.id})`
      : undefined,
  );
}
