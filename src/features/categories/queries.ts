import { eq, sql } from "drizzle-orm";
import type { Database } from "../../db/database.ts";
import { rowsOf } from "../../db/rows.ts";
import { categories, teams } from "../../db/schema.ts";
import type { Actor } from "../../lib/actor.ts";
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from "../../lib/errors.ts";
import { teamsLedBy } from "../tickets/access.ts";
import type { Category } from "./schemas.ts";

type Reader = Pick<Database, "select">;
export type CategoryRow = typeof categories.$inferSelect;

export const CATEGORIES_CACHE = "categories";
export const CATEGORIES_CACHE_TTL_SECONDS = 300;

export function toCategory(row: CategoryRow): Category {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    parentId: row.parentId,
    defaultTeamId: row.defaultTeamId,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    version: row.version,
  };
}

export function categoryNotFound(): NotFoundError {
  return new NotFoundError("No such category.", "category_not_found");
}

/** A referenced parent or default team must exist: a 400 naming the field otherwise. */
export async function assertReferencesExist(
  db: Reader,
  refs: { parentId?: string | null | undefined; defaultTeamId?: string | null | undefined },
): Promise<void> {
  const errors = [];
  if (refs.parentId) {
    const [parent] = await db
      .select({ id: categories.id })
      .from(categories)
      .where(eq(categories.id, refs.parentId));
    if (!parent) errors.push({ path: "body.parentId", message: "no such category" });
  }
  if (refs.defaultTeamId) {
    const [team] = await db.select({ id: teams.id }).from(teams).where(eq(teams.id, refs.defaultTeamId));
    if (!team) errors.push({ path: "body.defaultTeamId", message: "no such team" });
  }
  if (errors.length > 0) throw new ValidationError(errors, "A referenced resource does not exist.");
}

/**
 * Refuses a parent that would make the category its own ancestor, with the cycle in the problem
 * (`cycle`: the ids from the category back to itself). The caller holds the tree lock.
 */
export async function assertNoCycle(
  db: Pick<Database, "execute">,
  id: string,
  parentId: string,
): Promise<void> {
  const result = await db.execute<{ id: string; name: string }>(sql`
    with recursive chain(id, name, parent_id, depth) as (
      select id, name, parent_id, 0 from ${categories} where id = ${parentId}
      union all
      select c.id, c.name, c.parent_id, chain.depth + 1
      from ${categories} c join chain on c.id = chain.parent_id
      where chain.depth < 1000
    )
    select id, name from chain order by depth`);
  const ancestors = rowsOf<{ id: string; name: string }>(result);
  const at = ancestors.findIndex((row) => row.id === id);
  if (at === -1) return;
  // chain: parent, grandparent, ..., the category itself; the cycle runs category → parent → ... → category
  const cycle = [id, ...ancestors.slice(0, at + 1).map((row) => row.id)];
  const names = [ancestors[at]?.name ?? id, ...ancestors.slice(0, at + 1).map((row) => row.name)];
  throw new ConflictError(`A category cannot be its own ancestor: ${names.join(" → ")}.`, "category_cycle", {
    cycle,
  });
}

/** Serializes re-parenting, so two concurrent moves cannot close a cycle neither saw. */
export async function lockCategoryTree(db: Pick<Database, "execute">): Promise<void> {
  await db.execute(sql`select pg_advisory_xact_lock(hashtext('tixgenius:categories:tree'))`);
}

export function isForeignKeyViolation(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; current && depth < 4; depth++) {
    if ((current as { code?: unknown }).code === "23503") return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** The violated constraint's name, through drizzle's wrapping (postgres.js: constraint_name, PGlite: constraint). */
export function violatedConstraint(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 4; depth++) {
    const { constraint_name, constraint } = current as { constraint_name?: unknown; constraint?: unknown };
    const name = constraint_name ?? constraint;
    if (typeof name === "string") return name;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * A category routed to a team (its `defaultTeamId`) decides where that team's new tickets land,
 * so only admins and that team's leads change or delete it, and a manager routes a category only
 * to a team they lead. Unrouted categories are shared: any manager may edit them. 403, since every
 * category is visible to everyone.
 */
export async function assertMayWriteCategory(
  db: Reader,
  actor: Pick<Actor, "userId" | "role">,
  current: { defaultTeamId: string | null } | null,
  nextDefaultTeamId: string | null | undefined,
): Promise<void> {
  if (actor.role === "admin") return;
  const led = await teamsLedBy(db, actor.userId);
  if (current?.defaultTeamId && !led.has(current.defaultTeamId)) {
    throw new ForbiddenError(
      "This category routes tickets to a team you do not lead; its leads or an admin may change it.",
      "not_team_lead",
    );
  }
  if (nextDefaultTeamId && !led.has(nextDefaultTeamId)) {
    throw new ForbiddenError("You may route categories only to teams you lead.", "not_team_lead", [
      { path: "body.defaultTeamId", message: "must be a team you lead" },
    ]);
  }
}
