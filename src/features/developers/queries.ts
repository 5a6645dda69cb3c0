import { and, asc, eq, inArray, type SQL, sql } from "drizzle-orm";
import type { Database } from "../../db/database.ts";
import { developerProfiles, developerSkills, teamMembers, tickets, users } from "../../db/schema.ts";

type Reader = Pick<Database, "select">;
export type Availability = (typeof developerProfiles.availability.enumValues)[number];

/** What a developer without a stored profile counts as (the column defaults of developer_profiles). */
export const DEFAULT_PROFILE = { capacity: 5, availability: "available", timezone: "UTC" } as const;

/** Ticket statuses that count against a developer's capacity. */
export const OPEN_LOAD_STATUSES = ["open", "in_progress", "blocked"] as const;

/**
 * A developer's open load as a correlated subquery on the outer `users` row, served by the
 * partial index tickets_assignee_status_idx; used in page queries so the load of a whole page is
 * one statement.
 */
export function openLoadOf(userId: SQL | typeof users.id = users.id): SQL<number> {
  return sql<number>`(select count(*)::int from ${tickets} where ${tickets.assigneeId} = ${userId} and ${tickets.deletedAt} is null and ${tickets.status} in ('open', 'in_progress', 'blocked'))`.mapWith(
    Number,
  );
}

export interface TeamDeveloper {
  userId: string;
  name: string;
  capacity: number;
  availability: Availability;
  timezone: string;
  lastAssignedAt: Date | null;
  /** categoryId → level 1..5 */
  skills: Map<string, number>;
  openLoad: number;
}

/**
 * Every active member of a team whose account role is developer, with profile (defaults when none
 * was stored), skills and open load, in two queries whatever the team size. Pass `tx` to read
 * inside a transaction. Reads the database directly (never the cache): capacity decisions need
 * fresh loads.
 */
export async function loadTeamDevelopers(db: Reader, teamId: string): Promise<TeamDeveloper[]> {
  const rows = await db
    .select({
      userId: users.id,
      name: users.name,
      capacity: developerProfiles.capacity,
      availability: developerProfiles.availability,
      timezone: developerProfiles.timezone,
      lastAssignedAt: developerProfiles.lastAssignedAt,
      openLoad: openLoadOf(),
    })
    .from(teamMembers)
    .innerJoin(users, eq(users.id, teamMembers.userId))
    .leftJoin(developerProfiles, eq(developerProfiles.userId, users.id))
    .where(and(eq(teamMembers.teamId, teamId), eq(users.role, "developer"), eq(users.status, "active")))
    .orderBy(asc(users.id));
  const skills = await skillsOf(
    db,
    rows.map((row) => row.userId),
  );
  return rows.map((row) => ({
    userId: row.userId,
    name: row.name,
    capacity: row.capacity ?? DEFAULT_PROFILE.capacity,
    availability: row.availability ?? DEFAULT_PROFILE.availability,
    timezone: row.timezone ?? DEFAULT_PROFILE.timezone,
    lastAssignedAt: row.lastAssignedAt ?? null,
    skills: new Map((skills.get(row.userId) ?? []).map((skill) => [skill.categoryId, skill.level])),
    openLoad: row.openLoad,
  }));
}

export interface Skill {
  categoryId: string;
  level: number;
}

/** Skills of many developers in one query (primary key user_id, category_id). */
export async function skillsOf(db: Reader, userIds: string[]): Promise<Map<string, Skill[]>> {
  const byUser = new Map<string, Skill[]>();
  if (userIds.length === 0) return byUser;
  const rows = await db
    .select()
    .from(developerSkills)
    .where(inArray(developerSkills.userId, userIds))
    .orderBy(asc(developerSkills.userId), asc(developerSkills.categoryId));
  for (const row of rows) {
    const list = byUser.get(row.userId) ?? [];
    list.push({ categoryId: row.categoryId, level: row.level });
    byUser.set(row.userId, list);
  }
  return byUser;
}
