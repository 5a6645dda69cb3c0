import { and, eq, gt, inArray, isNull, sql } from "drizzle-orm";
import { invitations, teamMembers, teams, users } from "../../db/schema.ts";
import type { Deps } from "../../deps.ts";
import { writeAudit } from "../../lib/audit.ts";
import { ConflictError } from "../../lib/errors.ts";
import { type RequestOrigin, selfActor } from "../audit/origin.ts";
import { refuseBreachedPassword } from "../auth/breached-passwords.ts";
import { startSession, type TokenPair } from "../auth/service.ts";
import type { SessionMeta } from "../auth/session-store.ts";
import { invalidateDeveloperLoads } from "../developers/cache.ts";
import { isUniqueViolation, type UserRow } from "../users/queries.ts";
import { auditedUser } from "../users/service.ts";
import { findPendingInvitation } from "./invitations.ts";
import { invalidToken } from "./tokens.ts";

/**
 * The invitee chooses their name and password: the account is created with the invitation's role
 * and teams, its address counts as verified (the link was read from it), and they are signed in.
 * The invitation is closed in the same transaction by a conditional update: one account per link.
 */
export async function acceptInvitation(
  deps: Deps,
  input: { token: string; name: string; password: string },
  origin: RequestOrigin,
  meta: SessionMeta,
): Promise<TokenPair> {
  const pending = await findPendingInvitation(deps, input.token);
  if (!pending) throw invalidToken();
  await refuseBreachedPassword(deps, input.password, "body.password");
  const passwordHash = await deps.passwords.hash(input.password);
  const now = deps.clock.now();
  let user: UserRow;
  try {
    user = await deps.db.transaction(async (tx) => {
      const [inserted] = await tx
        .insert(users)
        .values({
          email: pending.email,
          name: input.name,
          role: pending.role,
          passwordHash,
          emailVerifiedAt: now,
        })
        .returning();
      const created = inserted as UserRow;
      const [closed] = await tx
        .update(invitations)
        .set({
          acceptedAt: sql`now()`,
          acceptedUserId: created.id,
          updatedAt: sql`now()`,
          version: sql`${invitations.version} + 1`,
        })
        .where(
          and(
            eq(invitations.id, pending.id),
            eq(invitations.tokenHash, pending.tokenHash),
            isNull(invitations.acceptedAt),
            isNull(invitations.revokedAt),
            gt(invitations.expiresAt, now),
          ),
        )
        .returning({ teamIds: invitations.teamIds });
      if (!closed) throw invalidToken();
      // Teams deleted since the invitation was sent are skipped.
      const stillThere =
        closed.teamIds.length === 0
          ? []
          : await tx.select({ id: teams.id }).from(teams).where(inArray(teams.id, closed.teamIds));
      if (stillThere.length > 0)
        await tx
          .insert(teamMembers)
          .values(
            stillThere.map((team) => ({ teamId: team.id, userId: created.id, role: "member" as const })),
          );
      const actor = selfActor({ userId: created.id, role: created.role }, origin);
      await writeAudit(tx, actor, {
        action: "invitation.accepted",
        entityType: "invitation",
        entityId: pending.id,
        after: { userId: created.id },
      });
      await writeAudit(tx, actor, {
        action: "user.registered",
        entityType: "user",
        entityId: created.id,
        after: {
          ...auditedUser(created),
          invitationId: pending.id,
          teamIds: stillThere.map((team) => team.id),
        },
      });
      return created;
    });
  } catch (error) {
    if (isUniqueViolation(error))
      throw new ConflictError("An account with this email already exists.", "email_taken");
    throw error;
  }
  if (user.role === "developer") await invalidateDeveloperLoads(deps);
  return startSession(deps, user, meta);
}
