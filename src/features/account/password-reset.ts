import { eq, sql } from "drizzle-orm";
import { users } from "../../db/schema.ts";
import type { Deps } from "../../deps.ts";
import { writeAudit } from "../../lib/audit.ts";
import { sha256Hex } from "../../lib/crypto.ts";
import { limiterFor } from "../../lib/rate-limiters.ts";
import { type RequestOrigin, selfActor } from "../audit/origin.ts";
import { refuseBreachedPassword } from "../auth/breached-passwords.ts";
import { sessionsOf } from "../auth/sessions.ts";
import { enqueueMail, sendQueuedMail } from "../mail/outbox.ts";
import { findUserByEmail } from "../users/queries.ts";
import {
  appLink,
  consumeToken,
  findLiveToken,
  invalidToken,
  issueToken,
  PASSWORD_RESET_TTL_MINUTES,
  retireTokens,
} from "./tokens.ts";

/**
 * Runs after the 202 went out (deps.waitUntil), so neither the answer nor its timing depends on
 * whether the address has an account. An address asked for too often is skipped in silence:
 * answering 429 for it would not reveal an account, but mail bombing a person would stay possible.
 */
export async function requestPasswordReset(deps: Deps, email: string, origin: RequestOrigin): Promise<void> {
  const addressKey = `reset:${await sha256Hex(email.trim().toLowerCase())}`;
  const allowed = await limiterFor(deps.redis, deps.config, "mailPerAddress").limit(addressKey);
  if (!allowed.success) {
    deps.logger.info("password reset skipped: too many for this address", { code: "reset_address_limited" });
    return;
  }
  const user = await findUserByEmail(deps.db, email);
  if (user?.status !== "active") return;
  const now = deps.clock.now();
  await deps.db.transaction(async (tx) => {
    await retireTokens(tx, user.id, "password_reset");
    const { token } = await issueToken(tx, {
      userId: user.id,
      purpose: "password_reset",
      expiresAt: new Date(now.getTime() + PASSWORD_RESET_TTL_MINUTES * 60_000),
    });
    await writeAudit(
      tx,
      { ...origin, userId: user.id, role: user.role, sessionId: "" },
      {
        action: "user.password_reset_requested",
        entityType: "user",
        entityId: user.id,
      },
    );
    await enqueueMail(deps, tx, [
      {
        to: user.email,
        template: "password_reset",
        data: {
          name: user.name,
          link: appLink(deps.config.APP_URL, "reset-password", token),
          validMinutes: PASSWORD_RESET_TTL_MINUTES,
        },
      },
    ]);
  });
  sendQueuedMail(deps);
}

/**
 * Sets the new password (the policy of every password), clears a pending forced change, proves
 * the address (only its owner read the link), ends every session and mails the owner.
 */
export async function resetPassword(
  deps: Deps,
  input: { token: string; newPassword: string },
  origin: RequestOrigin,
): Promise<void> {
  const now = deps.clock.now();
  // Checked before hashing, so a wrong token costs no argon2 run; consumed atomically below.
  const pending = await findLiveToken(deps.db, "password_reset", input.token, now);
  if (!pending) throw invalidToken();
  await refuseBreachedPassword(deps, input.newPassword, "body.newPassword");
  const passwordHash = await deps.passwords.hash(input.newPassword);
  const userId = await deps.db.transaction(async (tx) => {
    const used = await consumeToken(tx, "password_reset", input.token, now);
    const [user] = await tx
      .update(users)
      .set({
        passwordHash,
        passwordChangeRequired: false,
        emailVerifiedAt: sql`coalesce(${users.emailVerifiedAt}, now())`,
        updatedAt: sql`now()`,
        version: sql`${users.version} + 1`,
      })
      .where(eq(users.id, used.userId))
      .returning();
    if (user?.status !== "active") throw invalidToken();
    await writeAudit(tx, selfActor({ userId: user.id, role: user.role }, origin), {
      action: "user.password_reset",
      entityType: "user",
      entityId: user.id,
      after: { sessionsEnded: "all" },
    });
    await enqueueMail(deps, tx, [
      {
        to: user.email,
        template: "password_changed",
        data: { name: user.name, changedAt: now.toISOString() },
      },
    ]);
    return user.id;
  });
  await sessionsOf(deps).revokeAll(userId);
  sendQueuedMail(deps);
}
