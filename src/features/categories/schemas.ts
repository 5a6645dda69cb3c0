import { z } from "@hono/zod-openapi";
import { ListQuery, listOf } from "../../lib/list.ts";
import { NOT_BLANK } from "../../lib/openapi.ts";

const CategoryName = z.string().trim().min(1).max(100).openapi({ example: "Billing", pattern: NOT_BLANK });
const Description = z.string().trim().max(2000);

export const Category = z
  .object({
    id: z.uuid(),
    name: z.string(),
    description: z.string(),
    parentId: z.uuid().nullable(),
    defaultTeamId: z.uuid().nullable().openapi({ description: "Where new tickets of this category go" }),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    version: z.number().int(),
  })
  .openapi("Category");
export type Category = z.infer<typeof Category>;

export const CategoryRef = z.object({ id: z.uuid().openapi({ param: { name: "id", in: "path" } }) });

export const CreateCategory = z
  .object({
    name: CategoryName,
    description: Description.default(""),
    parentId: z.uuid().nullable().optional(),
    defaultTeamId: z.uuid().nullable().optional(),
  })
  .strict()
  .openapi("CreateCategory");
export type CreateCategory = z.infer<typeof CreateCategory>;

/** JSON Merge Patch: absent = unchanged, null clears parent, default team or description. */
export const UpdateCategory = z
  .object({
    name: CategoryName,
    description: Description.nullable(),
    parentId: z.uuid().nullable(),
    defaultTeamId: z.uuid().nullable(),
  })
  .partial()
  .strict()
  .refine((patch) => Object.keys(patch).length > 0, { error: "must change at least one field" })
  .openapi("UpdateCategory", { minProperties: 1 });
export type UpdateCategory = z.infer<typeof UpdateCategory>;

export const CategoryListQuery = ListQuery.extend({
  parentId: z
    .union([z.uuid(), z.literal("none")])
    .optional()
    .openapi({ description: "Children of this category, or `none` for top-level categories" }),
});
export type CategoryListQuery = z.infer<typeof CategoryListQuery>;
export const CategoryList = listOf(Category, "CategoryList");
