import { and, eq, gt, inArray, isNotNull, isNull, lte, type SQL, sql } from "drizzle-orm";
import type { Database } from "../../db/database.ts";
import { invitations, teamMembers, teams, users } from "../../db/schema.ts";
import type { Deps } from "../../deps.ts";
import type { Actor } from "../../lib/actor.ts";
import { writeAudit } from "../../lib/audit.ts";
import { sha256Hex } from "../../lib/crypto.ts";
import { AppError, ConflictError, ForbiddenError, NotFoundError } from "../../lib/errors.ts";
import { exactTime, newestFirst, newestFirstAfter } from "../../lib/keyset.ts";
import { pageOf } from "../../lib/list.ts";
import { enqueueMail, sendQueuedMail } from "../mail/outbox.ts";
import { findUserByEmail, isUniqueViolation } from "../users/queries.ts";
import type { Role } from "../users/schemas.ts";
import type { Invitation } from "./schemas.ts";
import { appLink, newToken } from "./tokens.ts";

type Tx = Parameters<Parameters<Database["transaction"]>[0]>[0];
export type InvitationRow = typeof invitations.$inferSelect;

/** Roles a manager may invite: never one above their own. */
const MANAGER_INVITES: readonly Role[] = ["developer", "reporter"];

const invitationNotFound = () => new NotFoundError("No such invitation.", "invitation_not_found");

export function toInvitation(row: InvitationRow, now: Date): Invitation {
  return {
    id: row.id,
    email: row.email,
    role: row.role,
    teamIds: row.teamIds,
    status: statusOf(row, now),
    expiresAt: row.expiresAt.toISOString(),
    invitedBy: row.invitedBy,
    acceptedUserId: row.acceptedUserId,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

function statusOf(row: InvitationRow, now: Date): Invitation["status"] {
  if (row.acceptedAt) return "accepted";
  if (row.revokedAt) return "revoked";
  return row.expiresAt.getTime() > now.getTime() ? "pending" : "expired";
}

/**
 * Admins invite to any role and team; a manager invites developers and reporters into teams
 * they lead (at least one). The invitee gets a link valid INVITATION_TTL_HOURS.
 */
export async function createInvitation(
  deps: Deps,
  actor: Actor,
  input: { email: string; role: Role; teamIds: string[] },
): Promise<Invitation> {
  const teamIds = [...new Set(input.teamIds)];
  if (actor.role === "manager") {
    if (!MANAGER_INVITES.includes(input.role))
      throw new ForbiddenError("A manager may invite developers and reporters only.", "role_forbidden");
    if (teamIds.length === 0)
      throw unprocessable("A manager invites into at least one team they lead.", "body.teamIds");
  }
  if (await findUserByEmail(deps.db, input.email))
    throw new ConflictError("An account with this email already exists.", "email_taken");
  const now = deps.clock.now();
  const expiresAt = new Date(now.getTime() + deps.config.INVITATION_TTL_HOURS * 3600_000);
  try {
    const row = await deps.db.transaction(async (tx) => {
      const teamNames = await checkTeams(tx, actor, teamIds);
      // An expired invitation no longer counts as pending: it makes way for the new one.
      await tx
        .update(invitations)
        .set({ revokedAt: sql`now()`, updatedAt: sql`now()`, version: sql`${invitations.version} + 1` })
        .where(and(pendingFor(input.email), lte(invitations.expiresAt, now)));
      const { token, tokenHash } = await newToken();
      const [inserted] = await tx
        .insert(invitations)
        .values({
          email: input.email,
          role: input.role,
          teamIds,
          invitedBy: actor.userId,
          tokenHash,
          expiresAt,
        })
        .returning();
      const created = inserted as InvitationRow;
      await writeAudit(tx, actor, {
        action: "invitation.created",
        entityType: "invitation",
        entityId: created.id,
        after: { email: created.email, role: created.role, teamIds },
      });
      await queueInvitationMail(deps, tx, actor, created, token, teamNames);
      return created;
    });
    sendQueuedMail(deps);
    return toInvitation(row, now);
  } catch (error) {
    if (isUniqueViolation(error))
      throw new ConflictError(
        "This address already has a pending invitation; resend it instead.",
        "invitation_pending",
      );
    throw error;
  }
}

/** Admins see every invitation; a manager the ones they sent. Newest first, keyset paged. */
export async function listInvitations(
  deps: Deps,
  actor: Actor,
  query: { status?: Invitation["status"] | undefined; limit: number; cursor?: string | undefined },
) {
  const now = deps.clock.now();
  const conditions: (SQL | undefined)[] = [];
  if (actor.role !== "admin") conditions.push(eq(invitations.invitedBy, actor.userId));
  if (query.status) conditions.push(statusCondition(query.status, now));
  if (query.cursor) conditions.push(newestFirstAfter(invitations.createdAt, invitations.id, query.cursor));
  const rows = await deps.db
    .select({ row: invitations, exactCreatedAt: exactTime(invitations.createdAt) })
    .from(invitations)
    .where(and(...conditions))
    .orderBy(...newestFirst(invitations.createdAt, invitations.id))
    .limit(query.limit + 1);
  const { page, nextCursor } = pageOf(rows, query.limit, (entry) => [entry.exactCreatedAt, entry.row.id]);
  return { data: page.map((entry) => toInvitation(entry.row, now)), nextCursor };
}

/** One invitation: an admin reads any, a manager the ones they sent (another's is a 404). */
export async function getInvitation(deps: Deps, actor: Actor, id: string): Promise<Invitation> {
  const [row] = await deps.db.select().from(invitations).where(eq(invitations.id, id)).limit(1);
  if (!row || (actor.role !== "admin" && row.invitedBy !== actor.userId)) throw invitationNotFound();
  return toInvitation(row, deps.clock.now());
}

/** Ends a pending (or expired) invitation: its link stops working. */
export async function revokeInvitation(deps: Deps, actor: Actor, id: string): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const current = await lockOwnInvitation(tx, actor, id);
    if (current.acceptedAt || current.revokedAt)
      throw new ConflictError("The invitation was already accepted or revoked.", "invitation_closed");
    await tx
      .update(invitations)
      .set({ revokedAt: sql`now()`, updatedAt: sql`now()`, version: sql`${invitations.version} + 1` })
      .where(eq(invitations.id, id));
    await writeAudit(tx, actor, {
      action: "invitation.revoked",
      entityType: "invitation",
      entityId: id,
      after: { email: current.email },
    });
  });
}

/** A new link (the old one stops working) and a fresh expiry, mailed again. */
export async function resendInvitation(deps: Deps, actor: Actor, id: string): Promise<Invitation> {
  const now = deps.clock.now();
  const row = await deps.db.transaction(async (tx) => {
    const current = await lockOwnInvitation(tx, actor, id);
    if (current.acceptedAt || current.revokedAt)
      throw new ConflictError("The invitation was already accepted or revoked.", "invitation_closed");
    const { token, tokenHash } = await newToken();
    const [updated] = await tx
      .update(invitations)
      .set({
        tokenHash,
        expiresAt: new Date(now.getTime() + deps.config.INVITATION_TTL_HOURS * 3600_000),
        updatedAt: sql`now()`,
        version: sql`${invitations.version} + 1`,
      })
      .where(eq(invitations.id, id))
      .returning();
    const resent = updated as InvitationRow;
    await writeAudit(tx, actor, {
      action: "invitation.resent",
      entityType: "invitation",
      entityId: id,
      after: { expiresAt: resent.expiresAt.toISOString() },
    });
    const names = await teamNamesOf(tx, resent.teamIds);
    await queueInvitationMail(deps, tx, actor, resent, token, names);
    return resent;
  });
  sendQueuedMail(deps);
  return toInvitation(row, now);
}

/** The pending invitation a mailed token belongs to, or undefined. */
export async function findPendingInvitation(deps: Deps, token: string): Promise<InvitationRow | undefined> {
  const [row] = await deps.db
    .select()
    .from(invitations)
    .where(
      and(eq(invitations.tokenHash, await sha256Hex(token)), statusCondition("pending", deps.clock.now())),
    )
    .limit(1);
  return row;
}

async function queueInvitationMail(
  deps: Deps,
  tx: Tx,
  actor: Actor,
  row: InvitationRow,
  token: string,
  teamNames: string[],
): Promise<void> {
  const inviter = await tx.select({ name: users.name }).from(users).where(eq(users.id, actor.userId));
  await enqueueMail(deps, tx, [
    {
      to: row.email,
      template: "invitation",
      data: {
        inviterName: inviter[0]?.name ?? "An administrator",
        role: row.role,
        teamNames,
        link: appLink(deps.config.APP_URL, "accept-invitation", token),
        expiresAt: row.expiresAt.toISOString(),
      },
    },
  ]);
}

/** Every team must exist (422 naming teamIds); a manager must lead each one (403). */
async function checkTeams(tx: Tx, actor: Actor, teamIds: string[]): Promise<string[]> {
  if (teamIds.length === 0) return [];
  const found = await tx
    .select({ id: teams.id, name: teams.name })
    .from(teams)
    .where(inArray(teams.id, teamIds));
  if (found.length !== teamIds.length)
    throw unprocessable("A team in teamIds does not exist.", "body.teamIds");
  if (actor.role === "manager") {
    const led = await tx
      .select({ teamId: teamMembers.teamId })
      .from(teamMembers)
      .where(
        and(
          eq(teamMembers.userId, actor.userId),
          eq(teamMembers.role, "lead"),
          inArray(teamMembers.teamId, teamIds),
        ),
      );
    if (led.length !== teamIds.length)
      throw new ForbiddenError("A manager invites only into teams they lead.", "not_team_lead");
  }
  return found.map((team) => team.name);
}

async function teamNamesOf(tx: Tx, teamIds: string[]): Promise<string[]> {
  if (teamIds.length === 0) return [];
  const found = await tx.select({ name: teams.name }).from(teams).where(inArray(teams.id, teamIds));
  return found.map((team) => team.name);
}

/** An admin reaches every invitation; a manager only theirs (another's looks missing). */
async function lockOwnInvitation(tx: Tx, actor: Actor, id: string): Promise<InvitationRow> {
  const [row] = await tx.select().from(invitations).where(eq(invitations.id, id)).for("update");
  if (!row || (actor.role !== "admin" && row.invitedBy !== actor.userId)) throw invitationNotFound();
  return row;
}

function pendingFor(email: string): SQL | undefined {
  return and(
    sql`lower(${invitations.email}) = lower(${email})`,
    isNull(invitations.acceptedAt),
    isNull(invitations.revokedAt),
  );
}

function statusCondition(status: Invitation["status"], now: Date): SQL | undefined {
  const open = and(isNull(invitations.acceptedAt), isNull(invitations.revokedAt));
  if (status === "accepted") return isNotNull(invitations.acceptedAt);
  if (status === "revoked") return isNotNull(invitations.revokedAt);
  if (status === "pending") return and(open, gt(invitations.expiresAt, now));
  return and(open, lte(invitations.expiresAt, now));
}

function unprocessable(detail: string, path: string): AppError {
  return new AppError({
    status: 422,
    code: "invalid_teams",
    title: "Unprocessable content",
    detail,
    errors: [{ path, message: detail }],
  });
}
