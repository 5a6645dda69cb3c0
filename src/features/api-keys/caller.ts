import { and, eq, isNull, lt, or, sql } from "drizzle-orm";
import type { Auth } from "../../app-env.ts";
import type { Database } from "../../db/database.ts";
import { preparedOnce } from "../../db/prepared.ts";
import { apiKeys, users } from "../../db/schema.ts";
import type { Deps } from "../../deps.ts";
import { constantTimeEqual } from "../../lib/crypto.ts";
import type { AccountState } from "../../middleware/authenticate.ts";
import { invalidToken } from "../auth/access-tokens.ts";
import { hashApiKey, keyEnvironmentOf, parseApiKey } from "./key-format.ts";
import type { Scope } from "./scopes.ts";

/** lastUsedAt is a hint for people, not a log: written at most once a minute per key. */
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * The caller behind an API key, in one indexed statement that also reads the owner's role and
 * status: nothing is cached, so revocation, expiry, a demotion or a disabled owner apply to the
 * very next request on every instance. An unknown, malformed, revoked or expired key, a wrong
 * secret and a disabled owner all get the same 401.
 */
export async function authenticateApiKey(
  deps: Deps,
  key: string,
): Promise<{ auth: Auth; account: AccountState }> {
  const publicId = parseApiKey(key, keyEnvironmentOf(deps.config.NODE_ENV));
  if (!publicId) throw invalidToken();
  const [presentedHash, row] = await Promise.all([hashApiKey(key), findKeyCaller(deps.db, publicId)]);
  const now = deps.clock.now();
  if (!row || !constantTimeEqual(presentedHash, row.secretHash)) throw invalidToken();
  if (row.revokedAt || (row.expiresAt && row.expiresAt <= now)) throw invalidToken();
  if (row.status !== "active") throw invalidToken();
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
    deps.waitUntil(touchLastUsed(deps, row.id));
  }
  return {
    auth: {
      userId: row.ownerId,
      role: row.role,
      sessionId: "",
      apiKey: { id: row.id, scopes: row.scopes as Scope[] },
    },
    // An owner who must change an admin-set password or verify their address is refused with the
    // same 403 their access token gets: a key never outlives that (least privilege).
    account: { passwordChangeRequired: row.passwordChangeRequired, emailVerified: row.emailVerified },
  };
}

function findKeyCaller(db: Database, publicId: string) {
  return preparedOnce(db, "api-key-caller", () =>
    db
      .select({
        id: apiKeys.id,
        secretHash: apiKeys.secretHash,
        scopes: apiKeys.scopes,
        expiresAt: apiKeys.expiresAt,
        revokedAt: apiKeys.revokedAt,
        lastUsedAt: apiKeys.lastUsedAt,
        ownerId: users.id,
        role: users.role,
        status: users.status,
        passwordChangeRequired: users.passwordChangeRequired,
        emailVerified: sql<boolean>`${users.emailVerifiedAt} is not null`,
      })
      .from(apiKeys)
      .innerJoin(users, eq(users.id, apiKeys.ownerId))
      .where(eq(apiKeys.publicId, sql.placeholder("publicId")))
      .limit(1)
      .prepare("api_key_caller"),
  )
    .execute({ publicId })
    .then((rows) => rows[0]);
}

/**
 * Conditional, so instances racing on the same key write once a minute at most; after the
 * response, so the caller never waits for it; a failure costs only a stale hint.
 */
async function touchLastUsed(deps: Deps, id: string): Promise<void> {
  try {
    await deps.db
      .update(apiKeys)
      .set({ lastUsedAt: sql`now()` })
      .where(
        and(
          eq(apiKeys.id, id),
          or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, sql`now() - interval '1 minute'`)),
        ),
      );
  } catch (error) {
    deps.logger.warn("api key lastUsedAt not written", { code: "api_key_touch_failed", apiKeyId: id, error });
  }
}
