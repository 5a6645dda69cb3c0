import { and, eq, sql } from "drizzle-orm";
import { accountTokens, users } from "../../db/schema.ts";
import type { Deps } from "../../deps.ts";
import type { Actor } from "../../lib/actor.ts";
import { writeAudit } from "../../lib/audit.ts";
import { ConflictError, ForbiddenError, NotFoundError } from "../../lib/errors.ts";
import { type RequestOrigin, selfActor } from "../audit/origin.ts";
import { sessionsOf } from "../auth/sessions.ts";
import { enqueueMail, sendQueuedMail } from "../mail/outbox.ts";
import { findUserByEmail, findUserById, isUniqueViolation, toUser, type UserRow } from "../users/queries.ts";
import type { User } from "../users/schemas.ts";
import { appLink, consumeToken, EMAIL_CHANGE_TTL_HOURS, issueToken, retireTokens } from "./tokens.ts";

const emailTaken = () => new ConflictError("An account with this email already exists.", "email_taken");

/**
 * Starts a change of address (ASVS 5.0 7.5.1 re-authentication, 7.5.x notice): the current
 * password is asked again, the new address gets the link that completes the change, the old one
 * a notice with a link that cancels it. Nothing changes until the new address confirms.
 */
export async function requestEmailChange(
  deps: Deps,
  actor: Actor,
  input: { newEmail: string; currentPassword: string; signOutEverywhere: boolean },
): Promise<void> {
  const user = await findUserById(deps.db, actor.userId);
  if (!user || !(await deps.passwords.verify(user.passwordHash, input.currentPassword)))
    throw new ForbiddenError("The current password is incorrect.", "invalid_current_password");
  if (user.email.toLowerCase() === input.newEmail.toLowerCase())
    throw new ConflictError("This is already your email address.", "email_unchanged");
  if (await findUserByEmail(deps.db, input.newEmail)) throw emailTaken();
  const expiresAt = new Date(deps.clock.now().getTime() + EMAIL_CHANGE_TTL_HOURS * 3600_000);
  await deps.db.transaction(async (tx) => {
    // One pending change at a time: a new request retires the earlier links.
    await retireTokens(tx, user.id, "email_change");
    await retireTokens(tx, user.id, "email_change_cancel");
    const confirm = await issueToken(tx, {
      userId: user.id,
      purpose: "email_change",
      expiresAt,
      newEmail: input.newEmail,
      endSessions: input.signOutEverywhere,
    });
    const cancel = await issueToken(tx, { userId: user.id, purpose: "email_change_cancel", expiresAt });
    await writeAudit(tx, actor, {
      action: "user.email_change_requested",
      entityType: "user",
      entityId: user.id,
      after: { newEmail: input.newEmail },
    });
    await enqueueMail(deps, tx, [
      {
        to: input.newEmail,
        template: "email_change_confirm",
        data: {
          name: user.name,
          newEmail: input.newEmail,
          link: appLink(deps.config.APP_URL, "confirm-email-change", confirm.token),
        },
      },
      {
        to: user.email,
        template: "email_change_notice",
        data: {
          name: user.name,
          newEmail: input.newEmail,
          cancelLink: appLink(deps.config.APP_URL, "cancel-email-change", cancel.token),
        },
      },
    ]);
  });
  sendQueuedMail(deps);
}

/**
 * Completes the change from the link mailed to the new address. The old address is told; the
 * user's other sessions end only if they asked for it (their sessions survive by default).
 */
export async function confirmEmailChange(deps: Deps, token: string, origin: RequestOrigin): Promise<User> {
  const now = deps.clock.now();
  const { row, endSessions } = await deps.db
    .transaction(async (tx) => {
      const used = await consumeToken(tx, "email_change", token, now);
      const [current] = await tx.select().from(users).where(eq(users.id, used.userId)).for("update");
      if (current?.status !== "active" || !used.newEmail)
        throw new NotFoundError("No such user.", "user_not_found");
      const [changed] = await tx
        .update(users)
        .set({
          email: used.newEmail,
          emailVerifiedAt: sql`now()`,
          updatedAt: sql`now()`,
          version: sql`${users.version} + 1`,
        })
        .where(eq(users.id, current.id))
        .returning();
      await retireTokens(tx, current.id, "email_change_cancel");
      await retireTokens(tx, current.id, "email_verification");
      await writeAudit(tx, selfActor({ userId: current.id, role: current.role }, origin), {
        action: "user.email_changed",
        entityType: "user",
        entityId: current.id,
        before: { email: current.email },
        after: { email: used.newEmail, allSessionsEnded: used.endSessions },
      });
      await enqueueMail(deps, tx, [
        {
          to: current.email,
          template: "email_changed",
          data: { name: current.name, newEmail: used.newEmail },
        },
      ]);
      return { row: changed as UserRow, endSessions: used.endSessions };
    })
    .catch((error: unknown) => {
      // Someone registered the address between the request and its confirmation.
      if (isUniqueViolation(error)) throw emailTaken();
      throw error;
    });
  if (endSessions) await sessionsOf(deps).revokeAll(row.id);
  sendQueuedMail(deps);
  return toUser(row);
}

/** From the notice sent to the old address: the pending change can no longer be confirmed. */
export async function cancelEmailChange(deps: Deps, token: string, origin: RequestOrigin): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const used = await consumeToken(tx, "email_change_cancel", token, deps.clock.now());
    const retired = await tx
      .update(accountTokens)
      .set({ usedAt: sql`now()` })
      .where(
        and(
          eq(accountTokens.userId, used.userId),
          eq(accountTokens.purpose, "email_change"),
          sql`${accountTokens.usedAt} is null`,
        ),
      )
      .returning({ id: accountTokens.id });
    const [user] = await tx.select({ role: users.role }).from(users).where(eq(users.id, used.userId));
    if (!user) return;
    await writeAudit(tx, selfActor({ userId: used.userId, role: user.role }, origin), {
      action: "user.email_change_cancelled",
      entityType: "user",
      entityId: used.userId,
      after: { pendingChangesCancelled: retired.length },
    });
  });
}
