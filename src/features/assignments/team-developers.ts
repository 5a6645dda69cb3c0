import { asc, eq, inArray, sql } from "drizzle-orm";
import type { Database } from "../../db/database.ts";
import { categories, developerProfiles } from "../../db/schema.ts";
import type { Deps } from "../../deps.ts";
import { sharedCacheOf } from "../../lib/shared-cache.ts";
import { DEVELOPERS_CACHE, DEVELOPERS_CACHE_TTL_SECONDS } from "../developers/cache.ts";
import { loadTeamDevelopers, OPEN_LOAD_STATUSES, type TeamDeveloper } from "../developers/queries.ts";
import type { TicketRow } from "../tickets/access.ts";
import type { ScoringDeveloper } from "./scoring.ts";

type Reader = Pick<Database, "select">;

interface CachedDeveloper extends Omit<TeamDeveloper, "skills" | "lastAssignedAt"> {
  skills: [string, number][];
  lastAssignedAt: string | null;
}

/**
 * A team's developers with loads for suggestions, through the shared cache (JSON in Redis, so the
 * Map and Date are flattened). Every write that changes a load bumps the namespace first.
 */
export async function cachedTeamDevelopers(deps: Deps, teamId: string): Promise<TeamDeveloper[]> {
  const cached = await sharedCacheOf(deps).read<CachedDeveloper[]>(
    DEVELOPERS_CACHE,
    `team-loads:${teamId}`,
    DEVELOPERS_CACHE_TTL_SECONDS,
    async () =>
      (await loadTeamDevelopers(deps.db, teamId)).map((developer) => ({
        ...developer,
        skills: [...developer.skills],
        lastAssignedAt: developer.lastAssignedAt?.toISOString() ?? null,
      })),
  );
  return cached.map((developer) => ({
    ...developer,
    skills: new Map(developer.skills),
    lastAssignedAt: developer.lastAssignedAt ? new Date(developer.lastAssignedAt) : null,
  }));
}

/** The ticket's category and its parent: the two skills the score reads. */
export async function categoryPathOf(db: Reader, ticket: Pick<TicketRow, "categoryId">) {
  if (!ticket.categoryId) return { categoryId: null, parentId: null };
  const [row] = await db
    .select({ parentId: categories.parentId })
    .from(categories)
    .where(eq(categories.id, ticket.categoryId));
  return { categoryId: ticket.categoryId, parentId: row?.parentId ?? null };
}

/**
 * Scoring inputs for this ticket. The ticket itself is not load for whoever holds it now, so a
 * reassignment or a repeated auto-assignment never excludes its own assignee as at capacity.
 */
export function scoringInputs(
  developers: TeamDeveloper[],
  ticket: Pick<TicketRow, "assigneeId" | "status">,
  path: { categoryId: string | null; parentId: string | null },
): ScoringDeveloper[] {
  const countsAsLoad = (OPEN_LOAD_STATUSES as readonly string[]).includes(ticket.status);
  return developers.map((developer) => ({
    userId: developer.userId,
    name: developer.name,
    capacity: developer.capacity,
    availability: developer.availability,
    lastAssignedAt: developer.lastAssignedAt,
    skill: path.categoryId ? (developer.skills.get(path.categoryId) ?? 0) : 0,
    parentSkill: path.parentId ? (developer.skills.get(path.parentId) ?? 0) : 0,
    openLoad: developer.openLoad - (countsAsLoad && ticket.assigneeId === developer.userId ? 1 : 0),
  }));
}

/**
 * The capacity lock. Makes sure each developer has a profile row (the defaults a missing profile
 * stands for), then locks those rows in user-id order, so concurrent assignments that touch the
 * same developers queue instead of deadlocking. Count loads only in a later statement: under READ
 * COMMITTED that statement's snapshot includes every assignment committed before the lock was won.
 */
export async function lockDeveloperProfiles(tx: Pick<Database, "select" | "insert">, userIds: string[]) {
  if (userIds.length === 0) return;
  const ordered = [...new Set(userIds)].sort();
  await tx
    .insert(developerProfiles)
    .values(ordered.map((userId) => ({ userId })))
    .onConflictDoNothing();
  await tx
    .select({ userId: developerProfiles.userId })
    .from(developerProfiles)
    .where(inArray(developerProfiles.userId, ordered))
    .orderBy(asc(developerProfiles.userId))
    .for("update");
}

/** Marks the tie-break input: this developer was assigned just now. */
export async function touchLastAssigned(tx: Pick<Database, "update">, userId: string) {
  await tx
    .update(developerProfiles)
    .set({ lastAssignedAt: sql`now()` })
    .where(eq(developerProfiles.userId, userId));
}
