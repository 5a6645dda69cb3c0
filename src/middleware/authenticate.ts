import { createMiddleware } from "hono/factory";
import type { AppEnv, Auth } from "../app-env.ts";
import type { Config } from "../config/schema.ts";
import { authenticateApiKey } from "../features/api-keys/caller.ts";
import { API_KEY_SCOPES, type Scope } from "../features/api-keys/scopes.ts";
import { invalidToken, verifyAccessToken } from "../features/auth/access-tokens.ts";
import { sessionsOf } from "../features/auth/sessions.ts";
import { findCaller } from "../features/users/queries.ts";
import { ForbiddenError } from "../lib/errors.ts";

const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/;
const API_KEY_PREFIX = "tix_";

export interface AuthenticateOptions {
  /**
   * The scope an API key needs on this route. Without it the route is for people only: a valid
   * key gets 403 `api_key_not_allowed` (sessions, passwords, keys themselves). Access tokens are
   * never limited by scopes. Document it with `security: bearerOrApiKey(scope)`.
   */
  scope?: Scope;
  /**
   * Lets through a user who must first change an admin-set password or verify their address:
   * only the routes that let them do so (or see who they are, or sign out) set it.
   */
  allowUnfinishedAccount?: boolean;
}

/**
 * Accepts a request only with a valid access token whose session is alive and whose user is
 * active, or with an API key holding the route's scope whose owner is active. The role comes from
 * the database on every request, so a role change or a disabled account takes effect at the next
 * request, not when the token expires.
 */
export function authenticate(options: AuthenticateOptions = {}) {
  const scope = options.scope;
  if (scope !== undefined && !API_KEY_SCOPES.includes(scope)) {
    throw new Error(`authenticate: unknown scope ${scope}`);
  }
  return createMiddleware<AppEnv>(async function authenticate(c, next) {
    const match = BEARER.exec(c.req.header("Authorization") ?? "");
    if (!match?.[1]) throw invalidToken();
    const credential = match[1];
    const deps = c.var.deps;
    // An access token is a JWT and never starts with "tix_": its path costs nothing more.
    const { auth, account } = credential.startsWith(API_KEY_PREFIX)
      ? await authenticateApiKey(deps, credential)
      : await authenticateAccessToken(deps, credential);
    if (auth.apiKey) refuseOutOfScope(auth.apiKey.scopes, scope);
    if (!options.allowUnfinishedAccount) refuseUnfinishedAccount(deps.config, account);
    c.set("auth", auth);
    await next();
  });
}

/** What an unfinished account (admin-set password, unverified address) is judged on. */
export interface AccountState {
  passwordChangeRequired: boolean;
  emailVerified: boolean;
}

async function authenticateAccessToken(
  deps: AppEnv["Variables"]["deps"],
  token: string,
): Promise<{ auth: Auth; account: AccountState }> {
  const claims = await verifyAccessToken(deps.config, token, deps.clock.now());
  const [sessionOwner, user] = await Promise.all([
    sessionOwnerOrUnknown(deps, claims.sessionId),
    findCaller(deps.db, claims.userId),
  ]);
  if (user?.status !== "active") throw invalidToken();
  if (sessionOwner !== "unknown" && sessionOwner !== claims.userId) throw invalidToken();
  return { auth: { userId: user.id, role: user.role, sessionId: claims.sessionId }, account: user };
}

function refuseOutOfScope(granted: readonly Scope[], needed: Scope | undefined): void {
  if (needed === undefined) {
    throw new ForbiddenError(
      "This route is for signed-in people only: API keys cannot call it.",
      "api_key_not_allowed",
    );
  }
  if (!granted.includes(needed)) {
    throw new ForbiddenError(`This API key lacks the scope ${needed}.`, "scope_forbidden");
  }
}

/**
 * 403 with a code a frontend acts on: `password_change_required` (ASVS 5.0 6.4.1: an admin-set
 * password is changed at the next sign-in) sends the person to POST /v1/auth/password;
 * `email_verification_required` (EMAIL_VERIFICATION=required) to the mailed link or a resend.
 */
function refuseUnfinishedAccount(config: Config, user: AccountState): void {
  if (user.passwordChangeRequired)
    throw new ForbiddenError(
      "Your password was set by an administrator: change it (POST /v1/auth/password) to continue.",
      "password_change_required",
    );
  if (config.EMAIL_VERIFICATION === "required" && !user.emailVerified)
    throw new ForbiddenError(
      "Verify your email address with the link mailed to you (POST /v1/me/email-verification sends a new one).",
      "email_verification_required",
    );
}

/**
 * With Redis unreachable the session cannot be checked. Refusing every request would take the
 * whole API down with Redis, so the token (short-lived, signature checked) and the user's status
 * in PostgreSQL still decide, and the degradation is logged.
 */
async function sessionOwnerOrUnknown(deps: AppEnv["Variables"]["deps"], sessionId: string) {
  try {
    return await sessionsOf(deps).ownerOf(sessionId);
  } catch (error) {
    deps.logger.warn("session check skipped: Redis unavailable", { sessionId, error });
    return "unknown" as const;
  }
}

/** The caller on a route composed with `authenticate()`; a route without it is a programming error. */
export function authOf(c: { var: AppEnv["Variables"] }): Auth {
  const auth = c.var.auth;
  if (!auth) throw new Error("authOf() used on a route without authenticate()");
  return auth;
}
