import { and, eq, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { developerProfiles, teamMembers, users } from "../../db/schema.ts";
import type { Deps } from "../../deps.ts";
import type { Actor } from "../../lib/actor.ts";
import { writeAudit } from "../../lib/audit.ts";
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  PreconditionFailedError,
  ValidationError,
} from "../../lib/errors.ts";
import { sharedCacheOf } from "../../lib/shared-cache.ts";
import { isForeignKeyViolation } from "../categories/queries.ts";
import { DEVELOPERS_CACHE, DEVELOPERS_CACHE_TTL_SECONDS } from "./cache.ts";
import {
  assertCategoriesExist,
  audited,
  loadProfile,
  type ProfileRow,
  replaceSkills,
  sorted,
} from "./profile-store.ts";
import { DEFAULT_PROFILE, skillsOf } from "./queries.ts";
import type { DeveloperProfile, PutDeveloperProfile } from "./schemas.ts";

/** What a developer may change on their own profile; everything else is for managers and admins. */
const SELF_EDITABLE = new Set(["availability", "timezone"]);

export function profileNotFound(): NotFoundError {
  return new NotFoundError("No profile for this developer.", "profile_not_found");
}

/** The stored profile of a user whose role is developer, or 404; read through the shared cache. */
export async function getProfile(deps: Deps, userId: string): Promise<DeveloperProfile> {
  const profile = await sharedCacheOf(deps).read(
    DEVELOPERS_CACHE,
    `profile:${userId}`,
    DEVELOPERS_CACHE_TTL_SECONDS,
    () => loadProfile(deps.db, userId),
  );
  if (!profile) throw profileNotFound();
  return profile;
}

/**
 * Creates the profile on the first PUT (defaults for what is left out) or replaces the fields sent.
 * A developer may change only their own availability and timezone: anything else is a 403 that
 * names the fields, never silently ignored.
 */
export async function putProfile(
  deps: Deps,
  actor: Actor,
  userId: string,
  input: PutDeveloperProfile,
  expectedVersion?: number,
): Promise<{ profile: DeveloperProfile; created: boolean }> {
  if (actor.role === "developer") {
    const forbidden = Object.keys(input).filter((field) => !SELF_EDITABLE.has(field));
    if (forbidden.length > 0) {
      throw new ForbiddenError(
        `Only managers and admins may change ${forbidden.join(", ")}.`,
        "forbidden_fields",
        forbidden.map((field) => ({
          path: `body.${field}`,
          message: "only managers and admins may change this",
        })),
      );
    }
  }
  const result = await mapSkillErrors(() =>
    deps.db.transaction(async (tx) => {
      const [user] = await tx.select({ role: users.role }).from(users).where(eq(users.id, userId)).limit(1);
      if (!user) throw new NotFoundError("No such user.", "user_not_found");
      if (actor.role === "developer" && actor.userId !== userId)
        throw new ForbiddenError("Developers may edit only their own profile.", "not_own_profile");
      if (user.role !== "developer")
        throw new ConflictError("Profiles are only for users with the developer role.", "not_a_developer");
      if (actor.role === "manager" && !(await leadsTeamOf(tx, actor.userId, userId)))
        throw new ForbiddenError(
          "Managers edit the profiles of developers in the teams they lead.",
          "not_team_lead",
        );
      if (input.skills) await assertCategoriesExist(tx, input.skills);

      const fields = {
        ...(input.capacity !== undefined ? { capacity: input.capacity } : {}),
        ...(input.availability !== undefined ? { availability: input.availability } : {}),
        ...(input.timezone !== undefined ? { timezone: input.timezone } : {}),
      };
      let [current] = await tx
        .select()
        .from(developerProfiles)
        .where(eq(developerProfiles.userId, userId))
        .for("update");
      if (!current) {
        if (expectedVersion !== undefined)
          throw new PreconditionFailedError("The profile does not exist yet.", { currentVersion: null });
        // Two first PUTs at once: the loser falls through to the update path below.
        const [inserted] = await tx
          .insert(developerProfiles)
          .values({ userId, ...DEFAULT_PROFILE, ...fields })
          .onConflictDoNothing()
          .returning();
        if (inserted) {
          if (input.skills) await replaceSkills(tx, userId, input.skills);
          await writeAudit(tx, actor, {
            action: "developer_profile.created",
            entityType: "developer_profile",
            entityId: userId,
            after: audited(inserted, input.skills ?? []),
          });
          return { created: true };
        }
        [current] = await tx
          .select()
          .from(developerProfiles)
          .where(eq(developerProfiles.userId, userId))
          .for("update");
        if (!current) throw profileNotFound();
      }
      if (expectedVersion !== undefined && current.version !== expectedVersion)
        throw new PreconditionFailedError("The profile changed since you read it.", {
          currentVersion: current.version,
        });
      const skillsBefore = (await skillsOf(tx, [userId])).get(userId) ?? [];
      const [updated] = (await tx
        .update(developerProfiles)
        .set({ ...fields, updatedAt: sql`now()`, version: sql`${developerProfiles.version} + 1` })
        .where(and(eq(developerProfiles.userId, userId), eq(developerProfiles.version, current.version)))
        .returning()) as [ProfileRow];
      if (input.skills) await replaceSkills(tx, userId, input.skills);
      await writeAudit(tx, actor, {
        action: "developer_profile.updated",
        entityType: "developer_profile",
        entityId: userId,
        before: audited(current, skillsBefore),
        after: audited(updated, input.skills ? sorted(input.skills) : skillsBefore),
      });
      return { created: false };
    }),
  );
  await sharedCacheOf(deps).invalidate(DEVELOPERS_CACHE);
  const profile = await loadProfile(deps.db, userId);
  if (!profile) throw profileNotFound();
  return { profile, created: result.created };
}

/** Whether `leadId` leads a team `memberId` belongs to: availability and capacity steer that team's assignments. */
async function leadsTeamOf(
  db: Pick<Deps["db"], "select">,
  leadId: string,
  memberId: string,
): Promise<boolean> {
  const lead = alias(teamMembers, "lead");
  const [row] = await db
    .select({ teamId: teamMembers.teamId })
    .from(teamMembers)
    .innerJoin(lead, and(eq(lead.teamId, teamMembers.teamId), eq(lead.userId, leadId), eq(lead.role, "lead")))
    .where(eq(teamMembers.userId, memberId))
    .limit(1);
  return row !== undefined;
}

async function mapSkillErrors<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    // A category deleted between the check and the insert.
    if (isForeignKeyViolation(error))
      throw new ValidationError([{ path: "body.skills", message: "a category no longer exists" }]);
    throw error;
  }
}
