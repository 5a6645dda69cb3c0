import { and, count, eq, isNotNull, isNull, sql } from "drizzle-orm";
import { teamMembers, teams, tickets } from "../../db/schema.ts";
import type { Deps } from "../../deps.ts";
import type { Actor } from "../../lib/actor.ts";
import { writeAudit } from "../../lib/audit.ts";
import { ConflictError } from "../../lib/errors.ts";
import { exactTime, newestFirst, newestFirstAfter } from "../../lib/keyset.ts";
import { pageOf } from "../../lib/list.ts";
import { sharedCacheOf } from "../../lib/shared-cache.ts";
import { DEVELOPERS_CACHE } from "../developers/cache.ts";
import { isUniqueViolation } from "../users/queries.ts";
import {
  assertManages,
  assertVersion,
  lockTeam,
  seesAllTeams,
  TEAMS_CACHE,
  TEAMS_CACHE_TTL_SECONDS,
  type TeamRow,
  teamNotFound,
  teamRoleOf,
  toTeam,
} from "./queries.ts";
import type { Team } from "./schemas.ts";

const CATEGORIES_CACHE = "categories";

export interface TeamListFilter {
  limit: number;
  cursor?: string | undefined;
  count?: boolean | undefined;
}

/** Newest first over teams_created_at_id_idx; non-admin, non-manager callers see their own teams. */
export async function listTeams(deps: Deps, actor: Actor, filter: TeamListFilter) {
  const mine = seesAllTeams(actor)
    ? undefined
    : sql`${teams.id} in (select ${teamMembers.teamId} from ${teamMembers} where ${teamMembers.userId} = ${actor.userId})`;
  const after = filter.cursor ? newestFirstAfter(teams.createdAt, teams.id, filter.cursor) : undefined;
  const rows = await deps.db
    .select({ team: teams, at: exactTime(teams.createdAt) })
    .from(teams)
    .where(and(mine, after))
    .orderBy(...newestFirst(teams.createdAt, teams.id))
    .limit(filter.limit + 1);
  const { page, nextCursor } = pageOf(rows, filter.limit, (row) => [row.at, row.team.id]);
  const data = page.map((row) => toTeam(row.team));
  if (!filter.count) return { data, nextCursor };
  const [total] = await deps.db.select({ total: count() }).from(teams).where(mine);
  return { data, nextCursor, total: total?.total ?? 0 };
}

/** A team the caller may see (read through the shared cache), or 404. */
export async function getTeam(deps: Deps, actor: Actor, id: string): Promise<Team> {
  const team = await sharedCacheOf(deps).read(
    TEAMS_CACHE,
    `team:${id}`,
    TEAMS_CACHE_TTL_SECONDS,
    async () => {
      const [row] = await deps.db.select().from(teams).where(eq(teams.id, id)).limit(1);
      return row ? toTeam(row) : null;
    },
  );
  if (!team) throw teamNotFound();
  if (!seesAllTeams(actor) && !(await teamRoleOf(deps.db, id, actor.userId))) throw teamNotFound();
  return team;
}

/** Admins and managers create teams; a manager becomes the new team's lead. */
export async function createTeam(deps: Deps, actor: Actor, input: { name: string; description: string }) {
  const row = await uniqueName(() =>
    deps.db.transaction(async (tx) => {
      const [created] = (await tx.insert(teams).values(input).returning()) as [TeamRow];
      await writeAudit(tx, actor, {
        action: "team.created",
        entityType: "team",
        entityId: created.id,
        after: auditedTeam(created),
      });
      if (actor.role === "manager") {
        await tx.insert(teamMembers).values({ teamId: created.id, userId: actor.userId, role: "lead" });
        await writeAudit(tx, actor, {
          action: "team.member_added",
          entityType: "team",
          entityId: created.id,
          after: { member: { userId: actor.userId, role: "lead" } },
        });
      }
      return created;
    }),
  );
  await sharedCacheOf(deps).invalidate(TEAMS_CACHE, DEVELOPERS_CACHE);
  return toTeam(row);
}

export async function updateTeam(
  deps: Deps,
  actor: Actor,
  id: string,
  patch: { name?: string | undefined; description?: string | null | undefined },
  expectedVersion?: number,
): Promise<Team> {
  const changes = {
    ...(patch.name !== undefined ? { name: patch.name } : {}),
    ...(patch.description !== undefined ? { description: patch.description ?? "" } : {}),
  };
  const row = await uniqueName(() =>
    deps.db.transaction(async (tx) => {
      const current = await lockTeam(tx, id);
      await assertManages(tx, actor, id);
      assertVersion(current, expectedVersion, "team");
      const [updated] = (await tx
        .update(teams)
        .set({ ...changes, updatedAt: sql`now()`, version: sql`${teams.version} + 1` })
        .where(and(eq(teams.id, id), eq(teams.version, current.version)))
        .returning()) as [TeamRow];
      await writeAudit(tx, actor, {
        action: "team.updated",
        entityType: "team",
        entityId: id,
        before: auditedTeam(current),
        after: auditedTeam(updated),
      });
      return updated;
    }),
  );
  await sharedCacheOf(deps).invalidate(TEAMS_CACHE);
  return toTeam(row);
}

/**
 * Refused while live tickets belong to the team. The row lock conflicts with the key-share lock a
 * concurrent ticket insert takes, so no ticket can slip in between the check and the delete.
 * Soft-deleted tickets are detached (team_id null) instead: the foreign key would refuse otherwise.
 */
export async function deleteTeam(deps: Deps, actor: Actor, id: string, expectedVersion?: number) {
  await deps.db.transaction(async (tx) => {
    const current = await lockTeam(tx, id);
    await assertManages(tx, actor, id);
    assertVersion(current, expectedVersion, "team");
    const [live] = await tx
      .select({ total: count() })
      .from(tickets)
      .where(and(eq(tickets.teamId, id), isNull(tickets.deletedAt)));
    if ((live?.total ?? 0) > 0) {
      throw new ConflictError(
        `The team still has ${live?.total} ticket(s); move or delete them first.`,
        "team_has_tickets",
        { ticketCount: live?.total },
      );
    }
    await tx
      .update(tickets)
      .set({ teamId: null })
      .where(and(eq(tickets.teamId, id), isNotNull(tickets.deletedAt)));
    await tx.delete(teams).where(eq(teams.id, id));
    await writeAudit(tx, actor, {
      action: "team.deleted",
      entityType: "team",
      entityId: id,
      before: auditedTeam(current),
    });
  });
  // Categories lose their default team (on delete set null); developers lose the membership.
  await sharedCacheOf(deps).invalidate(TEAMS_CACHE, CATEGORIES_CACHE, DEVELOPERS_CACHE);
}

function auditedTeam(row: TeamRow) {
  return { name: row.name, description: row.description, version: row.version };
}

async function uniqueName<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isUniqueViolation(error))
      throw new ConflictError("A team with this name already exists.", "team_name_taken");
    throw error;
  }
}
