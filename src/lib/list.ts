import { z } from "@hono/zod-openapi";
import { decodeCursor, encodeCursor } from "./cursor.ts";

/**
 * The list contract every list endpoint shares: `limit` 1..100 (default 25; larger is a 400, not
 * silently clamped), an opaque keyset `cursor`, and `count=true` to add `total`.
 */
export const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(25).openapi({ description: "Page size, 1 to 100" }),
  cursor: z
    .string()
    .min(1)
    .max(512)
    .optional()
    .openapi({ description: "nextCursor of the previous page (omit it for the first page)" }),
  count: z
    .enum(["true", "false"])
    .transform((flag) => flag === "true")
    .optional()
    .openapi({ description: "true adds `total` (one more query)" }),
});

export function listOf<T extends z.ZodType>(item: T, name: string) {
  return z
    .object({
      data: z.array(item),
      nextCursor: z.string().nullable(),
      total: z.number().int().optional(),
    })
    .openapi(name);
}

export type SortValue = string | number | null;

/** Takes `limit + 1` rows: the extra one only says whether another page exists. */
export function pageOf<Row>(rows: Row[], limit: number, sortKeyOf: (row: Row) => SortValue[]) {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const nextCursor =
    rows.length > limit && last ? encodeCursor(sortKeyOf(last).map((value) => value ?? "")) : null;
  return { page, nextCursor };
}

/** Decodes a cursor of `length` string/number values, or answers 400 invalid_cursor. */
export function cursorValues(cursor: string, length: number): (string | number)[] {
  return decodeCursor<(string | number)[]>(
    cursor,
    (values): values is (string | number)[] =>
      values.length === length &&
      values.every((value) => typeof value === "string" || typeof value === "number"),
  );
}
