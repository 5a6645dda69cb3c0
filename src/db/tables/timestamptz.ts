import { customType } from "drizzle-orm/pg-core";

const PG_TIMESTAMPTZ =
  /^(\d{4,})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?([+-])(\d{2})(?::(\d{2}))?(?::(\d{2}))?( BC)?$/;

/**
 * A timestamptz as PostgreSQL prints it (DateStyle ISO, any session time zone) to a Date.
 * `new Date(text)` is wrong here: that text is not ISO 8601, and V8's fallback parser reads
 * years 0–49 as 2000–2049 and 50–99 as 1950–1999, and gives up on others (Invalid Date).
 */
export function parsePgTimestamptz(text: string): Date {
  const match = PG_TIMESTAMPTZ.exec(text);
  if (!match) return new Date(Number.NaN);
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as number[];
  const millis = Number((match[7] ?? "").padEnd(3, "0").slice(0, 3));
  const offset =
    (match[8] === "-" ? -1 : 1) *
    (Number(match[9]) * 3600 + Number(match[10] ?? 0) * 60 + Number(match[11] ?? 0));
  const date = new Date(0);
  date.setUTCFullYear(match[12] ? 1 - (year ?? 0) : (year ?? 0), (month ?? 1) - 1, day);
  date.setUTCHours(hour ?? 0, minute, second, millis);
  return new Date(date.getTime() - offset * 1000);
}

/**
 * `timestamp with time zone` read with parsePgTimestamptz: Drizzle's own timestamp column reads
 * with `new Date(text)`, which turned a due date in year 50 into 1950. Write with toISOString(),
 * which PostgreSQL reads exactly for years 0001–9999 (the range inputs are held to).
 */
export const timestamptz = customType<{ data: Date; driverData: string }>({
  dataType: () => "timestamp with time zone",
  toDriver: (value) => value.toISOString(),
  fromDriver: (value) => (typeof value === "string" ? parsePgTimestamptz(value) : value),
});
