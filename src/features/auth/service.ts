import { eq, sql } from "drizzle-orm";
import type { Auth } from "../../app-env.ts";
import { users } from "../../db/schema.ts";
import type { Deps } from "../../deps.ts";
import type { Actor } from "../../lib/actor.ts";
import { writeAudit } from "../../lib/audit.ts";
import { ConflictError, ForbiddenError, NotFoundError, UnauthorizedError } from "../../lib/errors.ts";
import { queueEmailVerification } from "../account/email-verification.ts";
import { type RequestOrigin, selfActor } from "../audit/origin.ts";
import { sendQueuedMail } from "../mail/outbox.ts";
import { findUserByEmail, findUserById, isUniqueViolation, toUser, type UserRow } from "../users/queries.ts";
import type { User } from "../users/schemas.ts";
import { auditedUser } from "../users/service.ts";
import { issueAccessToken } from "./access-tokens.ts";
import { refuseBreachedPassword } from "./breached-passwords.ts";
import type { SessionMeta } from "./session-store.ts";
import { sessionsOf } from "./sessions.ts";

/**
 * Verifying against this hash (of a random, forgotten password, same parameters) makes a login
 * for an unknown email cost what a wrong password costs, so timing does not reveal accounts.
 */
const DUMMY_PASSWORD_HASH =
  "$argon2id$v=19$m=19456,t=2,p=1$xAgRpnMzrl75W/M14MZAhQ$qZBN3z12GmbaIZKgVFBBDqEQR7E1eUYQFW/s+z8B6/E";

export interface TokenPair {
  accessToken: string;
  tokenType: "Bearer";
  expiresIn: number;
  refreshToken: string;
  user: Pick<User, "id" | "email" | "name" | "role">;
}

const invalidCredentials = () =>
  new UnauthorizedError("The email or password is incorrect.", "invalid_credentials");
const invalidRefreshToken = () =>
  new UnauthorizedError("The refresh token is invalid, expired or already used.", "invalid_refresh_token");

/** The new account is its own actor in the audit row (from the request's IP and user agent). */
export async function registerReporter(
  deps: Deps,
  input: { email: string; password: string; name: string },
  origin: RequestOrigin,
) {
  if (!deps.config.SIGNUP_ENABLED)
    throw new ForbiddenError("Self-registration is turned off.", "signup_disabled");
  await refuseBreachedPassword(deps, input.password, "body.password");
  const passwordHash = await deps.passwords.hash(input.password);
  try {
    const row = await deps.db.transaction(async (tx) => {
      const [inserted] = await tx
        .insert(users)
        .values({ email: input.email, name: input.name, role: "reporter", passwordHash })
        .returning();
      const created = inserted as UserRow;
      await writeAudit(tx, selfActor({ userId: created.id, role: created.role }, origin), {
        action: "user.registered",
        entityType: "user",
        entityId: created.id,
        after: auditedUser(created),
      });
      await queueEmailVerification(deps, tx, created);
      return created;
    });
    sendQueuedMail(deps);
    return toUser(row);
  } catch (error) {
    // Registration has to say so for the person to sign in instead; login never reveals accounts.
    if (isUniqueViolation(error))
      throw new ConflictError("An account with this email already exists.", "email_taken");
    throw error;
  }
}

/**
 * Every sign-in starts a new session. The session whose refresh token the client still presents
 * (the cookie of an earlier sign-in in this browser) ends, so re-authenticating never leaves the
 * old session alive beside the new one (ASVS 5.0 7.2.4).
 */
export async function login(
  deps: Deps,
  input: { email: string; password: string },
  meta: SessionMeta,
  replacedRefreshToken?: string,
) {
  const user = await findUserByEmail(deps.db, input.email);
  const passwordMatches = await deps.passwords.verify(
    user?.passwordHash ?? DUMMY_PASSWORD_HASH,
    input.password,
  );
  if (!user || !passwordMatches || user.status !== "active") throw invalidCredentials();
  return startSession(deps, user, meta, replacedRefreshToken);
}

/** Signs the user in: a new session and its token pair (login, an accepted invitation). */
export async function startSession(
  deps: Deps,
  user: UserRow,
  meta: SessionMeta,
  replacedRefreshToken?: string,
): Promise<TokenPair> {
  const sessions = sessionsOf(deps);
  if (replacedRefreshToken) await sessions.endByRefreshToken(replacedRefreshToken);
  const session = await sessions.create(user.id, meta, deps.clock.now());
  return tokenPair(deps, user, session.sessionId, session.refreshToken);
}

export async function refresh(deps: Deps, refreshToken: string | undefined): Promise<TokenPair> {
  if (!refreshToken) throw invalidRefreshToken();
  const sessions = sessionsOf(deps);
  const rotation = await sessions.rotate(refreshToken, deps.clock.now());
  if (rotation.outcome === "reused") {
    deps.logger.warn("refresh token reuse: session family revoked", { reason: "refresh_token_reuse" });
  }
  if (rotation.outcome !== "rotated") throw invalidRefreshToken();
  const user = await findUserById(deps.db, rotation.userId);
  if (user?.status !== "active") {
    await sessions.revoke(rotation.userId, rotation.sessionId);
    throw invalidRefreshToken();
  }
  return tokenPair(deps, user, rotation.sessionId, rotation.refreshToken);
}

export async function logout(deps: Deps, auth: Auth): Promise<void> {
  await sessionsOf(deps).revoke(auth.userId, auth.sessionId);
}

export async function logoutEverywhere(deps: Deps, auth: Auth): Promise<void> {
  await sessionsOf(deps).revokeAll(auth.userId);
}

export async function listMySessions(deps: Deps, auth: Auth) {
  const sessions = await sessionsOf(deps).list(auth.userId);
  return sessions.map((session) => ({
    id: session.id,
    createdAt: session.createdAt.toISOString(),
    lastUsedAt: session.lastUsedAt.toISOString(),
    userAgent: session.userAgent,
    ip: session.ip,
    current: session.id === auth.sessionId,
  }));
}

export async function revokeMySession(deps: Deps, auth: Auth, sessionId: string): Promise<void> {
  const revoked = await sessionsOf(deps).revoke(auth.userId, sessionId);
  if (!revoked) throw new NotFoundError("No such session.", "session_not_found");
}

/** The audit row says only that it happened (and that other sessions ended), never a hash. */
export async function changePassword(
  deps: Deps,
  actor: Actor,
  input: { currentPassword: string; newPassword: string },
): Promise<void> {
  const user = await findUserById(deps.db, actor.userId);
  if (!user || !(await deps.passwords.verify(user.passwordHash, input.currentPassword))) {
    throw new ForbiddenError("The current password is incorrect.", "invalid_current_password");
  }
  await refuseBreachedPassword(deps, input.newPassword, "body.newPassword");
  const passwordHash = await deps.passwords.hash(input.newPassword);
  await deps.db.transaction(async (tx) => {
    await tx
      .update(users)
      .set({
        passwordHash,
        passwordChangeRequired: false,
        updatedAt: sql`now()`,
        version: sql`${users.version} + 1`,
      })
      .where(eq(users.id, actor.userId));
    await writeAudit(tx, actor, {
      action: "user.password_changed",
      entityType: "user",
      entityId: actor.userId,
      after: { otherSessionsEnded: true },
    });
  });
  await sessionsOf(deps).revokeAll(actor.userId, actor.sessionId);
}

async function tokenPair(
  deps: Deps,
  user: UserRow,
  sessionId: string,
  refreshToken: string,
): Promise<TokenPair> {
  const accessToken = await issueAccessToken(deps.config, { userId: user.id, sessionId }, deps.clock.now());
  return {
    accessToken,
    tokenType: "Bearer",
    expiresIn: deps.config.ACCESS_TOKEN_TTL_SECONDS,
    refreshToken,
    user: { id: user.id, email: user.email, name: user.name, role: user.role },
  };
}
