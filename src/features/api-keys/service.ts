import { and, count, eq, gt, isNull, or, sql } from "drizzle-orm";
import { apiKeys, users } from "../../db/schema.ts";
import type { Deps } from "../../deps.ts";
import type { Actor } from "../../lib/actor.ts";
import { writeAudit } from "../../lib/audit.ts";
import { ConflictError, ForbiddenError, NotFoundError } from "../../lib/errors.ts";
import { exactTime, newestFirst, newestFirstAfter } from "../../lib/keyset.ts";
import { pageOf } from "../../lib/list.ts";
import { generateApiKey, keyEnvironmentOf } from "./key-format.ts";
import type { ApiKey, CreateApiKey } from "./schemas.ts";

/** Live (unrevoked, unexpired) keys one account may hold: each key has its own rate-limit budget. */
export const MAX_LIVE_KEYS_PER_OWNER = 25;
const DAY_MS = 86_400_000;

type ApiKeyRow = typeof apiKeys.$inferSelect;

/**
 * Makes a key and returns it once. Without `ownerId` it is the caller's personal key; with
 * another account's id it is a service key, which only admins make. The owner's row is locked so
 * that concurrent creations cannot pass the per-owner cap together.
 */
export async function createApiKey(deps: Deps, actor: Actor, input: CreateApiKey) {
  const ownerId = input.ownerId ?? actor.userId;
  const kind = ownerId === actor.userId ? "personal" : "service";
  if (kind === "service" && actor.role !== "admin") {
    throw new ForbiddenError("Only admins make keys for other accounts.", "role_forbidden");
  }
  const now = deps.clock.now();
  const expiresAt = input.expiresInDays ? new Date(now.getTime() + input.expiresInDays * DAY_MS) : null;
  const generated = await generateApiKey(keyEnvironmentOf(deps.config.NODE_ENV));
  const row = await deps.db.transaction(async (tx) => {
    const [owner] = await tx
      .select({ id: users.id, status: users.status })
      .from(users)
      .where(eq(users.id, ownerId))
      .for("update");
    if (!owner) throw new NotFoundError("No such user.", "user_not_found");
    if (owner.status !== "active") throw new ConflictError("The account is disabled.", "owner_disabled");
    const [live] = await tx
      .select({ total: count() })
      .from(apiKeys)
      .where(and(eq(apiKeys.ownerId, ownerId), isNull(apiKeys.revokedAt), notExpired(now)));
    if ((live?.total ?? 0) >= MAX_LIVE_KEYS_PER_OWNER) {
      throw new ConflictError(
        `An account holds at most ${MAX_LIVE_KEYS_PER_OWNER} live keys: revoke one first.`,
        "api_key_limit",
      );
    }
    const [inserted] = await tx
      .insert(apiKeys)
      .values({
        publicId: generated.publicId,
        secretHash: generated.secretHash,
        ownerId,
        createdBy: actor.userId,
        kind,
        name: input.name,
        scopes: [...new Set(input.scopes)],
        expiresAt,
      })
      .returning();
    const created = inserted as ApiKeyRow;
    await writeAudit(tx, actor, {
      action: "api_key.created",
      entityType: "api_key",
      entityId: created.id,
      after: auditedKey(created),
    });
    return created;
  });
  return { ...toApiKey(row, deps.config.NODE_ENV), key: generated.key };
}

export interface ApiKeyListFilter {
  ownerId?: string | undefined;
  limit: number;
  cursor?: string | undefined;
  count?: boolean | undefined;
}

/** Newest first; an admin sees every key, anyone else only their own (another's id: empty). */
export async function listApiKeys(deps: Deps, actor: Actor, filter: ApiKeyListFilter) {
  const filters = [];
  if (actor.role !== "admin") filters.push(eq(apiKeys.ownerId, actor.userId));
  if (filter.ownerId) filters.push(eq(apiKeys.ownerId, filter.ownerId));
  const conditions = [...filters];
  if (filter.cursor) conditions.push(newestFirstAfter(apiKeys.createdAt, apiKeys.id, filter.cursor));
  const rows = await deps.db
    .select({ row: apiKeys, exactCreatedAt: exactTime(apiKeys.createdAt) })
    .from(apiKeys)
    .where(and(...conditions))
    .orderBy(...newestFirst(apiKeys.createdAt, apiKeys.id))
    .limit(filter.limit + 1);
  const { page, nextCursor } = pageOf(rows, filter.limit, (entry) => [entry.exactCreatedAt, entry.row.id]);
  const data = page.map((entry) => toApiKey(entry.row, deps.config.NODE_ENV));
  if (!filter.count) return { data, nextCursor };
  const [counted] = await deps.db
    .select({ total: count() })
    .from(apiKeys)
    .where(and(...filters));
  return { data, nextCursor, total: counted?.total ?? 0 };
}

/**
 * Revokes a key of the caller's (any key for an admin); another's key looks missing. Revoking a
 * revoked key changes nothing. Authentication reads the row on every request, so the key is
 * refused from the next request on, on every instance.
 */
export async function revokeApiKey(deps: Deps, actor: Actor, id: string): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const [current] = await tx.select().from(apiKeys).where(eq(apiKeys.id, id)).for("update");
    if (!current || (actor.role !== "admin" && current.ownerId !== actor.userId)) {
      throw new NotFoundError("No such API key.", "api_key_not_found");
    }
    if (current.revokedAt) return;
    const [revoked] = await tx
      .update(apiKeys)
      .set({ revokedAt: sql`now()`, revokedBy: actor.userId })
      .where(eq(apiKeys.id, id))
      .returning();
    await writeAudit(tx, actor, {
      action: "api_key.revoked",
      entityType: "api_key",
      entityId: id,
      before: { revokedAt: null },
      after: { revokedAt: (revoked as ApiKeyRow).revokedAt?.toISOString(), ownerId: current.ownerId },
    });
  });
}

function notExpired(now: Date) {
  return or(isNull(apiKeys.expiresAt), gt(apiKeys.expiresAt, now));
}

/** What audit rows record about a key: never the secret or its hash. */
function auditedKey(row: ApiKeyRow) {
  return {
    name: row.name,
    kind: row.kind,
    publicId: row.publicId,
    ownerId: row.ownerId,
    scopes: row.scopes,
    expiresAt: row.expiresAt?.toISOString() ?? null,
  };
}

export function toApiKey(row: ApiKeyRow, nodeEnv: string): ApiKey {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    prefix: `tix_${keyEnvironmentOf(nodeEnv)}_${row.publicId}`,
    ownerId: row.ownerId,
    createdBy: row.createdBy,
    scopes: row.scopes as ApiKey["scopes"],
    expiresAt: row.expiresAt?.toISOString() ?? null,
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}
