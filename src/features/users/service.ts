import { and, count, eq, sql } from "drizzle-orm";
import { users } from "../../db/schema.ts";
import type { Deps } from "../../deps.ts";
import type { Actor } from "../../lib/actor.ts";
import { writeAudit } from "../../lib/audit.ts";
import { ConflictError, NotFoundError, PreconditionFailedError } from "../../lib/errors.ts";
import { exactTime, newestFirst, newestFirstAfter } from "../../lib/keyset.ts";
import { pageOf } from "../../lib/list.ts";
import { queueEmailVerification } from "../account/email-verification.ts";
import { refuseBreachedPassword } from "../auth/breached-passwords.ts";
import { sessionsOf } from "../auth/sessions.ts";
import { invalidateDeveloperLoads } from "../developers/cache.ts";
import { sendQueuedMail } from "../mail/outbox.ts";
import { findUserById, isUniqueViolation, toUser, type UserRow } from "./queries.ts";
import type { Role, User } from "./schemas.ts";

export interface UserListFilter {
  role?: Role | undefined;
  status?: "active" | "disabled" | undefined;
  limit: number;
  cursor?: string | undefined;
  count?: boolean | undefined;
}

/** Newest first, by (created_at, id) at full precision, so pages never skip or repeat rows. */
export async function listUsers(deps: Deps, filter: UserListFilter) {
  const filters = [];
  if (filter.role) filters.push(eq(users.role, filter.role));
  if (filter.status) filters.push(eq(users.status, filter.status));
  const conditions = [...filters];
  if (filter.cursor) conditions.push(newestFirstAfter(users.createdAt, users.id, filter.cursor));
  const rows = await deps.db
    .select({ row: users, exactCreatedAt: exactTime(users.createdAt) })
    .from(users)
    .where(and(...conditions))
    .orderBy(...newestFirst(users.createdAt, users.id))
    .limit(filter.limit + 1);
  const { page, nextCursor } = pageOf(rows, filter.limit, (entry) => [entry.exactCreatedAt, entry.row.id]);
  const data = page.map((entry) => toUser(entry.row));
  if (!filter.count) return { data, nextCursor };
  const [counted] = await deps.db
    .select({ total: count() })
    .from(users)
    .where(and(...filters));
  return { data, nextCursor, total: counted?.total ?? 0 };
}

export async function getUser(deps: Deps, id: string): Promise<User> {
  const row = await findUserById(deps.db, id);
  if (!row) throw new NotFoundError("No such user.", "user_not_found");
  return toUser(row);
}

/** What audit rows record about a user: never the password hash. */
export function auditedUser(row: UserRow) {
  return { email: row.email, name: row.name, role: row.role, status: row.status };
}

export async function createUser(
  deps: Deps,
  actor: Actor,
  input: { email: string; name: string; role: Role; password: string },
): Promise<User> {
  await refuseBreachedPassword(deps, input.password, "body.password");
  // Hashing is slow on purpose: done before the transaction so it holds no connection meanwhile.
  const passwordHash = await deps.passwords.hash(input.password);
  try {
    const row = await deps.db.transaction(async (tx) => {
      const [inserted] = await tx
        .insert(users)
        // The admin knows this password: the person must replace it at the next sign-in (6.4.1).
        .values({
          email: input.email,
          name: input.name,
          role: input.role,
          passwordHash,
          passwordChangeRequired: true,
        })
        .returning();
      const created = inserted as UserRow;
      await writeAudit(tx, actor, {
        action: "user.created",
        entityType: "user",
        entityId: created.id,
        after: { ...auditedUser(created), passwordChangeRequired: true },
      });
      await queueEmailVerification(deps, tx, created);
      return created;
    });
    sendQueuedMail(deps);
    if (row.role === "developer") await invalidateDeveloperLoads(deps);
    return toUser(row);
  } catch (error) {
    if (isUniqueViolation(error))
      throw new ConflictError("An account with this email already exists.", "email_taken");
    throw error;
  }
}

export interface UserPatch {
  name?: string | undefined;
  role?: Role | undefined;
  status?: "active" | "disabled" | undefined;
}

/**
 * Changes name, role or status in one conditional update. Demoting or disabling an active admin
 * locks every active admin row first, so two admins cannot remove each other concurrently and
 * leave none.
 */
export async function updateUser(
  deps: Deps,
  actor: Actor,
  id: string,
  patch: UserPatch,
  expectedVersion?: number,
) {
  const updated = await deps.db.transaction(async (tx) => {
    const [current] = await tx.select().from(users).where(eq(users.id, id)).for("update");
    if (!current) throw new NotFoundError("No such user.", "user_not_found");
    if (expectedVersion !== undefined && current.version !== expectedVersion) {
      throw new PreconditionFailedError("The user changed since you read it.", {
        currentVersion: current.version,
      });
    }
    const losesAdmin =
      current.role === "admin" &&
      current.status === "active" &&
      ((patch.role !== undefined && patch.role !== "admin") || patch.status === "disabled");
    if (losesAdmin) {
      const activeAdmins = await tx
        .select({ id: users.id })
        .from(users)
        .where(and(eq(users.role, "admin"), eq(users.status, "active")))
        .for("update");
      if (activeAdmins.length <= 1) {
        const whose = current.id === actor.userId ? "yourself" : "this user";
        throw new ConflictError(
          `You cannot demote or disable ${whose}: it is the last active admin.`,
          "last_admin",
        );
      }
    }
    const [row] = await tx
      .update(users)
      .set({ ...patch, updatedAt: sql`now()`, version: sql`${users.version} + 1` })
      .where(eq(users.id, id))
      .returning();
    const changed = row as UserRow;
    await writeAudit(tx, actor, {
      action: "user.updated",
      entityType: "user",
      entityId: id,
      before: auditedUser(current),
      after: auditedUser(changed),
    });
    if (current.status === "active" && changed.status === "disabled") {
      // Sessions live in Redis and end right after the commit; the log records that an admin ended
      // all of them (one row, on the user), not each session id: a login racing the disable would
      // otherwise be missing from the list, while revokeAll still ends it.
      await writeAudit(tx, actor, {
        action: "session.revoked",
        entityType: "user",
        entityId: id,
        after: { sessions: "all", reason: "user_disabled" },
      });
    }
    return changed;
  });
  if (patch.status === "disabled") {
    // Authentication also checks the status on every request, so this cannot be raced; ending the
    // sessions makes their refresh tokens useless too.
    await sessionsOf(deps).revokeAll(id);
  }
  // Who counts as an active developer (lists, suggestions) follows role and status.
  if (patch.role !== undefined || patch.status !== undefined) await invalidateDeveloperLoads(deps);
  return toUser(updated);
}

/**
 * Ends every session of a user who stays active (after a suspected compromise, say): their
 * access and refresh tokens stop working at once and they sign in again (ASVS 5.0 7.4.5).
 * Audited like the sessions a disable ends, before Redis is touched, as disabling does.
 */
export async function endSessionsOf(deps: Deps, actor: Actor, id: string): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const [target] = await tx.select({ id: users.id }).from(users).where(eq(users.id, id));
    if (!target) throw new NotFoundError("No such user.", "user_not_found");
    await writeAudit(tx, actor, {
      action: "session.revoked",
      entityType: "user",
      entityId: id,
      after: { sessions: "all", reason: "ended_by_admin" },
    });
  });
  await sessionsOf(deps).revokeAll(id);
}

export async function renameMe(deps: Deps, actor: Actor, name: string): Promise<User> {
  const row = await deps.db.transaction(async (tx) => {
    const [current] = await tx
      .select({ name: users.name })
      .from(users)
      .where(eq(users.id, actor.userId))
      .for("update");
    if (!current) throw new NotFoundError("No such user.", "user_not_found");
    const [renamed] = await tx
      .update(users)
      .set({ name, updatedAt: sql`now()`, version: sql`${users.version} + 1` })
      .where(eq(users.id, actor.userId))
      .returning();
    await writeAudit(tx, actor, {
      action: "user.renamed",
      entityType: "user",
      entityId: actor.userId,
      before: { name: current.name },
      after: { name },
    });
    return renamed as UserRow;
  });
  return toUser(row);
}
