import { and, asc, count, eq, gt } from "drizzle-orm";
import type { Database } from "../../db/database.ts";
import { teamMembers, users } from "../../db/schema.ts";
import type { Deps } from "../../deps.ts";
import type { Actor } from "../../lib/actor.ts";
import { writeAudit } from "../../lib/audit.ts";
import { NotFoundError } from "../../lib/errors.ts";
import { invalidCursor, isUuid } from "../../lib/keyset.ts";
import { cursorValues, pageOf } from "../../lib/list.ts";
import { sharedCacheOf } from "../../lib/shared-cache.ts";
import { DEVELOPERS_CACHE } from "../developers/cache.ts";
import { assertManages, lockTeam } from "./queries.ts";
import type { TeamMember, TeamRole } from "./schemas.ts";
import { getTeam } from "./service.ts";

const memberColumns = {
  teamId: teamMembers.teamId,
  userId: teamMembers.userId,
  name: users.name,
  email: users.email,
  userRole: users.role,
  role: teamMembers.role,
  joinedAt: teamMembers.createdAt,
};
type MemberRow = { [K in keyof typeof memberColumns]: (typeof memberColumns)[K]["_"]["data"] };

function toMember(row: MemberRow): TeamMember {
  return { ...row, joinedAt: row.joinedAt.toISOString() };
}

/** Members of a team the caller may see, by user id over the (team_id, user_id) primary key. */
export async function listMembers(
  deps: Deps,
  actor: Actor,
  teamId: string,
  filter: { limit: number; cursor?: string | undefined; count?: boolean | undefined },
) {
  await getTeam(deps, actor, teamId);
  let after: ReturnType<typeof gt> | undefined;
  if (filter.cursor) {
    const [lastUserId] = cursorValues(filter.cursor, 1);
    if (typeof lastUserId !== "string" || !isUuid(lastUserId)) throw invalidCursor();
    after = gt(teamMembers.userId, lastUserId);
  }
  const rows = await deps.db
    .select(memberColumns)
    .from(teamMembers)
    .innerJoin(users, eq(users.id, teamMembers.userId))
    .where(and(eq(teamMembers.teamId, teamId), after))
    .orderBy(asc(teamMembers.userId))
    .limit(filter.limit + 1);
  const { page, nextCursor } = pageOf(rows, filter.limit, (row) => [row.userId]);
  const data = page.map(toMember);
  if (!filter.count) return { data, nextCursor };
  const [total] = await deps.db
    .select({ total: count() })
    .from(teamMembers)
    .where(eq(teamMembers.teamId, teamId));
  return { data, nextCursor, total: total?.total ?? 0 };
}

/** Adds a member or changes their team role; `created` says which (201 vs 200). */
export async function putMember(
  deps: Deps,
  actor: Actor,
  teamId: string,
  userId: string,
  role: TeamRole,
): Promise<{ member: TeamMember; created: boolean }> {
  const result = await deps.db.transaction(async (tx) => {
    await lockTeam(tx, teamId);
    await assertManages(tx, actor, teamId);
    const [user] = await tx.select({ id: users.id }).from(users).where(eq(users.id, userId)).limit(1);
    if (!user) throw new NotFoundError("No such user.", "user_not_found");
    const [inserted] = await tx
      .insert(teamMembers)
      .values({ teamId, userId, role })
      .onConflictDoNothing()
      .returning();
    if (inserted) {
      await writeAudit(tx, actor, {
        action: "team.member_added",
        entityType: "team",
        entityId: teamId,
        after: { member: { userId, role } },
      });
      return { created: true, member: await memberOf(tx, teamId, userId) };
    }
    const [current] = await tx
      .select({ role: teamMembers.role })
      .from(teamMembers)
      .where(and(eq(teamMembers.teamId, teamId), eq(teamMembers.userId, userId)))
      .for("update");
    if (current && current.role !== role) {
      await tx
        .update(teamMembers)
        .set({ role })
        .where(and(eq(teamMembers.teamId, teamId), eq(teamMembers.userId, userId)));
      await writeAudit(tx, actor, {
        action: "team.member_updated",
        entityType: "team",
        entityId: teamId,
        before: { member: { userId, role: current.role } },
        after: { member: { userId, role } },
      });
    }
    return { created: false, member: await memberOf(tx, teamId, userId) };
  });
  await sharedCacheOf(deps).invalidate(DEVELOPERS_CACHE);
  return result;
}

export async function removeMember(deps: Deps, actor: Actor, teamId: string, userId: string) {
  await deps.db.transaction(async (tx) => {
    await lockTeam(tx, teamId);
    await assertManages(tx, actor, teamId);
    const [removed] = await tx
      .delete(teamMembers)
      .where(and(eq(teamMembers.teamId, teamId), eq(teamMembers.userId, userId)))
      .returning();
    if (!removed) throw new NotFoundError("This user is not a member of the team.", "member_not_found");
    await writeAudit(tx, actor, {
      action: "team.member_removed",
      entityType: "team",
      entityId: teamId,
      before: { member: { userId, role: removed.role } },
    });
  });
  await sharedCacheOf(deps).invalidate(DEVELOPERS_CACHE);
}

async function memberOf(db: Pick<Database, "select">, teamId: string, userId: string): Promise<TeamMember> {
  const [row] = await db
    .select(memberColumns)
    .from(teamMembers)
    .innerJoin(users, eq(users.id, teamMembers.userId))
    .where(and(eq(teamMembers.teamId, teamId), eq(teamMembers.userId, userId)));
  if (!row) throw new NotFoundError("This user is not a member of the team.", "member_not_found");
  return toMember(row);
}
