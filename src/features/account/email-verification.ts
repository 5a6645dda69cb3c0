import { and, eq, isNull, sql } from "drizzle-orm";
import type { Database } from "../../db/database.ts";
import { users } from "../../db/schema.ts";
import type { Deps } from "../../deps.ts";
import type { Actor } from "../../lib/actor.ts";
import { writeAudit } from "../../lib/audit.ts";
import { ConflictError, NotFoundError } from "../../lib/errors.ts";
import { type RequestOrigin, selfActor } from "../audit/origin.ts";
import { enqueueMail, sendQueuedMail } from "../mail/outbox.ts";
import { appLink, consumeToken, EMAIL_VERIFICATION_TTL_HOURS, issueToken, retireTokens } from "./tokens.ts";

type Tx = Parameters<Parameters<Database["transaction"]>[0]>[0];

/**
 * Queues the verification mail of a new account inside its transaction, unless
 * EMAIL_VERIFICATION=off (then nobody is asked; a person may still verify on request).
 */
export async function queueEmailVerification(
  deps: Pick<Deps, "config" | "clock">,
  tx: Tx,
  user: { id: string; email: string; name: string },
): Promise<void> {
  if (deps.config.EMAIL_VERIFICATION === "off") return;
  await issueEmailVerification(deps, tx, user);
}

async function issueEmailVerification(
  deps: Pick<Deps, "config" | "clock">,
  tx: Tx,
  user: { id: string; email: string; name: string },
): Promise<void> {
  await retireTokens(tx, user.id, "email_verification");
  const { token } = await issueToken(tx, {
    userId: user.id,
    purpose: "email_verification",
    expiresAt: new Date(deps.clock.now().getTime() + EMAIL_VERIFICATION_TTL_HOURS * 3600_000),
  });
  await enqueueMail(deps, tx, [
    {
      to: user.email,
      template: "email_verification",
      data: { name: user.name, link: appLink(deps.config.APP_URL, "verify-email", token) },
    },
  ]);
}

/** A new verification link for the signed-in user; 409 when the address is already verified. */
export async function resendEmailVerification(deps: Deps, actor: Actor): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const [user] = await tx.select().from(users).where(eq(users.id, actor.userId)).for("update");
    if (!user) throw new NotFoundError("No such user.", "user_not_found");
    if (user.emailVerifiedAt)
      throw new ConflictError("The email address is already verified.", "email_verified");
    await issueEmailVerification(deps, tx, user);
  });
  sendQueuedMail(deps);
}

/** Marks the address the token was mailed to as verified (it must still be the user's address). */
export async function verifyEmail(deps: Deps, token: string, origin: RequestOrigin): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const used = await consumeToken(tx, "email_verification", token, deps.clock.now());
    const [user] = await tx
      .update(users)
      .set({ emailVerifiedAt: sql`now()`, updatedAt: sql`now()`, version: sql`${users.version} + 1` })
      .where(and(eq(users.id, used.userId), isNull(users.emailVerifiedAt)))
      .returning();
    if (!user) return;
    await writeAudit(tx, selfActor({ userId: user.id, role: user.role }, origin), {
      action: "user.email_verified",
      entityType: "user",
      entityId: user.id,
      after: { email: user.email },
    });
  });
}
