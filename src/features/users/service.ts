import { and, desc, eq, lt, or, sql } from "drizzle-orm";
import type { Auth } from "../../app-env.ts";
import { users } from "../../db/schema.ts";
import type { Deps } from "../../deps.ts";
import { decodeCursor, encodeCursor } from "../../lib/cursor.ts";
import { ConflictError, NotFoundError, PreconditionFailedError } from "../../lib/errors.ts";
import { sessionsOf } from "../auth/sessions.ts";
import { findUserById, isUniqueViolation, toUser, type UserRow } from "./queries.ts";
import type { Role, User } from "./schemas.ts";

export interface UserListFilter {
  role?: Role | undefined;
  status?: "active" | "disabled" | undefined;
  limit: number;
  cursor?: string | undefined;
}

const isUserCursor = (values: unknown[]): values is [string, string] =>
  values.length === 2 && typeof values[0] === "string" && typeof values[1] === "string";

/** Newest first, by (created_at, id) so pages never skip or repeat rows. */
export async function listUsers(deps: Deps, filter: UserListFilter) {
  const conditions = [];
  if (filter.role) conditions.push(eq(users.role, filter.role));
  if (filter.status) conditions.push(eq(users.status, filter.status));
  if (filter.cursor) {
    const [createdAt, id] = decodeCursor<[string, string]>(filter.cursor, isUserCursor);
    const after = new Date(createdAt);
    conditions.push(or(lt(users.createdAt, after), and(eq(users.createdAt, after), lt(users.id, id))));
  }
  const rows = await deps.db
    .select()
    .from(users)
    .where(and(...conditions))
    .orderBy(desc(users.createdAt), desc(users.id))
    .limit(filter.limit + 1);
  const page = rows.slice(0, filter.limit);
  const last = page.at(-1);
  const nextCursor =
    rows.length > filter.limit && last ? encodeCursor([last.createdAt.toISOString(), last.id]) : null;
  return { data: page.map(toUser), nextCursor };
}

export async function getUser(deps: Deps, id: string): Promise<User> {
  const row = await findUserById(deps.db, id);
  if (!row) throw new NotFoundError("No such user.", "user_not_found");
  return toUser(row);
}

export async function createUser(
  deps: Deps,
  input: { email: string; name: string; role: Role; password: string },
): Promise<User> {
  const passwordHash = await deps.passwords.hash(input.password);
  try {
    const [row] = await deps.db
      .insert(users)
      .values({ email: input.email, name: input.name, role: input.role, passwordHash })
      .returning();
    return toUser(row as UserRow);
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
  actor: Auth,
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
    return row as UserRow;
  });
  if (patch.status === "disabled") {
    // Authentication also checks the status on every request, so this cannot be raced; ending the
    // sessions makes their refresh tokens useless too.
    await sessionsOf(deps).revokeAll(id);
  }
  return toUser(updated);
}

export async function renameMe(deps: Deps, actor: Auth, name: string): Promise<User> {
  const [row] = await deps.db
    .update(users)
    .set({ name, updatedAt: sql`now()`, version: sql`${users.version} + 1` })
    .where(eq(users.id, actor.userId))
    .returning();
  if (!row) throw new NotFoundError("No such user.", "user_not_found");
  return toUser(row);
}
