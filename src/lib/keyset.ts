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

const PG_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?[+-](\d{2})(:\d{2}){0,2}$/;

/**
 * Whether a cursor value is a timestamptz as PostgreSQL prints it (`2025-01-31 09:15:00.123456+00`)
 * and names a real instant. Cursor values reach `::timestamptz` casts: a forged one must be a
 * 400, never a cast error (500).
 */
export function isPgTimestamp(value: unknown): value is string {
  const match = typeof value === "string" ? PG_TIMESTAMP.exec(value) : null;
  if (!match) return false;
  const [year, month, day, hour, minute, second, , offset] = match.slice(1).map(Number) as number[];
  // Not Date.UTC: it reads years 0–99 as 1900–1999, so a due date in year 50 failed this check.
  const date = new Date(0);
  date.setUTCFullYear(year ?? 0, (month ?? 0) - 1, day ?? 0);
  return (
    (year ?? 0) >= 1 &&
    date.getUTCFullYear() === year &&
    date.getUTCMonth() + 1 === month &&
    date.getUTCDate() === day &&
    (hour ?? 99) < 24 &&
    (minute ?? 99) < 60 &&
    (second ?? 99) < 60 &&
    (offset ?? 99) <= 15
  );
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

export function invalidCursor(): BadRequestError {
  return new BadRequestError("The cursor is not valid for this list.", "invalid_cursor");
}
