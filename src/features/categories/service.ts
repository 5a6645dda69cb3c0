import { and, asc, count, eq, gt, isNull, sql } from "drizzle-orm";
import { categories } from "../../db/schema.ts";
import type { Deps } from "../../deps.ts";
import type { Actor } from "../../lib/actor.ts";
import { writeAudit } from "../../lib/audit.ts";
import { ConflictError, ValidationError } from "../../lib/errors.ts";
import { invalidCursor } from "../../lib/keyset.ts";
import { cursorValues, pageOf } from "../../lib/list.ts";
import { sharedCacheOf } from "../../lib/shared-cache.ts";
import { DEVELOPERS_CACHE } from "../developers/cache.ts";
import { assertVersion } from "../teams/queries.ts";
import { isUniqueViolation } from "../users/queries.ts";
import {
  assertMayWriteCategory,
  assertNoCycle,
  assertReferencesExist,
  CATEGORIES_CACHE,
  CATEGORIES_CACHE_TTL_SECONDS,
  type CategoryRow,
  categoryNotFound,
  isForeignKeyViolation,
  lockCategoryTree,
  toCategory,
  violatedConstraint,
} from "./queries.ts";
import type { Category, CategoryListQuery, CreateCategory, UpdateCategory } from "./schemas.ts";

const nameKey = sql<string>`lower(${categories.name})`;

/** Alphabetical (case-insensitive) over the unique lower(name) index, read through the cache. */
export function listCategories(deps: Deps, query: CategoryListQuery) {
  const key = `list:${query.parentId ?? "*"}:${query.limit}:${query.cursor ?? ""}:${query.count ? 1 : 0}`;
  return sharedCacheOf(deps).read(CATEGORIES_CACHE, key, CATEGORIES_CACHE_TTL_SECONDS, async () => {
    const parent =
      query.parentId === undefined
        ? undefined
        : query.parentId === "none"
          ? isNull(categories.parentId)
          : eq(categories.parentId, query.parentId);
    let after: ReturnType<typeof gt> | undefined;
    if (query.cursor) {
      const [lastName] = cursorValues(query.cursor, 1);
      if (typeof lastName !== "string") throw invalidCursor();
      after = gt(nameKey, lastName);
    }
    const rows = await deps.db
      .select({ category: categories, nameKey })
      .from(categories)
      .where(and(parent, after))
      .orderBy(asc(nameKey))
      .limit(query.limit + 1);
    const { page, nextCursor } = pageOf(rows, query.limit, (row) => [row.nameKey]);
    const data = page.map((row) => toCategory(row.category));
    if (!query.count) return { data, nextCursor };
    const [total] = await deps.db.select({ total: count() }).from(categories).where(parent);
    return { data, nextCursor, total: total?.total ?? 0 };
  });
}

export async function getCategory(deps: Deps, id: string): Promise<Category> {
  const category = await sharedCacheOf(deps).read(
    CATEGORIES_CACHE,
    `category:${id}`,
    CATEGORIES_CACHE_TTL_SECONDS,
    async () => {
      const [row] = await deps.db.select().from(categories).where(eq(categories.id, id)).limit(1);
      return row ? toCategory(row) : null;
    },
  );
  if (!category) throw categoryNotFound();
  return category;
}

export async function createCategory(deps: Deps, actor: Actor, input: CreateCategory): Promise<Category> {
  const row = await mapWriteErrors(() =>
    deps.db.transaction(async (tx) => {
      await assertReferencesExist(tx, input);
      await assertMayWriteCategory(tx, actor, null, input.defaultTeamId);
      const [created] = (await tx
        .insert(categories)
        .values({
          name: input.name,
          description: input.description,
          parentId: input.parentId ?? null,
          defaultTeamId: input.defaultTeamId ?? null,
        })
        .returning()) as [CategoryRow];
      await writeAudit(tx, actor, {
        action: "category.created",
        entityType: "category",
        entityId: created.id,
        after: audited(created),
      });
      return created;
    }),
  );
  await sharedCacheOf(deps).invalidate(CATEGORIES_CACHE);
  return toCategory(row);
}

export async function updateCategory(
  deps: Deps,
  actor: Actor,
  id: string,
  patch: UpdateCategory,
  expectedVersion?: number,
): Promise<Category> {
  const { description, ...rest } = patch;
  const changes = { ...rest, ...(description !== undefined ? { description: description ?? "" } : {}) };
  const row = await mapWriteErrors(() =>
    deps.db.transaction(async (tx) => {
      if (patch.parentId) await lockCategoryTree(tx);
      const [current] = await tx.select().from(categories).where(eq(categories.id, id)).for("update");
      if (!current) throw categoryNotFound();
      assertVersion(current, expectedVersion, "category");
      await assertReferencesExist(tx, patch);
      await assertMayWriteCategory(tx, actor, current, patch.defaultTeamId);
      if (patch.parentId) await assertNoCycle(tx, id, patch.parentId);
      const [updated] = (await tx
        .update(categories)
        .set({ ...changes, updatedAt: sql`now()`, version: sql`${categories.version} + 1` })
        .where(and(eq(categories.id, id), eq(categories.version, current.version)))
        .returning()) as [CategoryRow];
      await writeAudit(tx, actor, {
        action: "category.updated",
        entityType: "category",
        entityId: id,
        before: audited(current),
        after: audited(updated),
      });
      return updated;
    }),
  );
  await sharedCacheOf(deps).invalidate(CATEGORIES_CACHE);
  return toCategory(row);
}

/** Refused while sub-categories exist; skills in it go with it, tickets keep no category. */
export async function deleteCategory(deps: Deps, actor: Actor, id: string, expectedVersion?: number) {
  await mapWriteErrors(
    () =>
      deps.db.transaction(async (tx) => {
        const [current] = await tx.select().from(categories).where(eq(categories.id, id)).for("update");
        if (!current) throw categoryNotFound();
        assertVersion(current, expectedVersion, "category");
        await assertMayWriteCategory(tx, actor, current, undefined);
        const [children] = await tx
          .select({ total: count() })
          .from(categories)
          .where(eq(categories.parentId, id));
        if ((children?.total ?? 0) > 0) throw hasChildren(children?.total ?? 0);
        await tx.delete(categories).where(eq(categories.id, id));
        await writeAudit(tx, actor, {
          action: "category.deleted",
          entityType: "category",
          entityId: id,
          before: audited(current),
        });
      }),
    false,
  );
  // Developer skills in this category were deleted with it (on delete cascade).
  await sharedCacheOf(deps).invalidate(CATEGORIES_CACHE, DEVELOPERS_CACHE);
}

function audited(row: CategoryRow) {
  return {
    name: row.name,
    description: row.description,
    parentId: row.parentId,
    defaultTeamId: row.defaultTeamId,
    version: row.version,
  };
}

function hasChildren(total: number): ConflictError {
  return new ConflictError(
    `The category has ${total} sub-categor${total === 1 ? "y" : "ies"}; move or delete them first.`,
    "category_has_children",
    { childCount: total },
  );
}

/** The body field behind each foreign key a create or patch writes (drizzle/0001_tickets.sql). */
const FIELD_OF_FOREIGN_KEY: Record<string, string> = {
  categories_parent_id_categories_id_fk: "body.parentId",
  categories_default_team_id_teams_id_fk: "body.defaultTeamId",
};

async function mapWriteErrors<T>(write: () => Promise<T>, writesBody = true): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isUniqueViolation(error))
      throw new ConflictError("A category with this name already exists.", "category_name_taken");
    // A referenced row vanished between the check and the write, or a child appeared under a
    // category being deleted: the foreign keys still hold. The field is named as when the check sees it.
    if (isForeignKeyViolation(error)) {
      const field = writesBody ? FIELD_OF_FOREIGN_KEY[violatedConstraint(error) ?? ""] : undefined;
      throw new ValidationError([
        { path: field ?? "body", message: "a referenced resource no longer exists" },
      ]);
    }
    throw error;
  }
}
