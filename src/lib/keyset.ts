import { type AnyColumn, type SQL, sql } from "drizzle-orm";
import { BadRequestError } from "./errors.ts";
import { cursorValues } from "./list.ts";

/**
 * A timestamptz at full (microsecond) precision as text. Cursors must not go through a JS Date:
 * truncating to milliseconds would skip rows created within the same millisecond as the last one.
 */
export function exactTime(column: AnyColumn): SQL<string> {
  return sql<string>`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

/**
 * Newest first. Spelled `desc nulls last` because that is how the (created_at, id) indexes are
 * built: a plain `desc` means NULLS FIRST, and PostgreSQL will not read that order off them.
 */
export function newestFirst(createdAt: AnyColumn, id: AnyColumn): SQL[] {
  return [sql`${createdAt} desc nulls last`, sql`${id} desc nulls last`];
}

/** Rows after the cursor in `created_at desc, id desc` order, one row comparison an index serves. */
export function newestFirstAfter(createdAt: AnyColumn, id: AnyColumn, cursor: string): SQL {
  const [at, lastId] = cursorValues(cursor, 2);
  if (typeof at !== "string" || typeof lastId !== "string" || !isUuid(lastId) || !isExactTime(at))
    throw invalidCursor();
  return sql`(${createdAt}, ${id}) < (${at}::timestamptz, ${lastId}::uuid)`;
}

const EXACT_TIME = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/**
 * Only what exactTime() writes, and only real dates: PostgreSQL refuses 2024-02-30 or year 0
 * (a 500) where JavaScript rolls them over, so a forged cursor must stop here as a 400.
 */
export function isExactTime(value: string): boolean {
  const match = EXACT_TIME.exec(value);
  if (!match || Number(match[1]) < 1) return false;
  const parsed = new Date(value);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === value.slice(0, 10);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

export function invalidCursor(): BadRequestError {
  return new BadRequestError("The cursor is not valid for this list.", "invalid_cursor");
}
