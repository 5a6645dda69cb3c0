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
  const date = new Date(Date.UTC(year ?? 0, (month ?? 0) - 1, day ?? 0));
  return (
    date.getUTCFullYear() === year &&
    date.getUTCMonth() + 1 === month &&
    date.getUTCDate() === day &&
    (hour ?? 99) < 24 &&
    (minute ?? 99) < 60 &&
    (second ?? 99) < 60 &&
    (offset ?? 99) <= 15
  );
}
