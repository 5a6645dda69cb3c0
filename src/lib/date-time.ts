import { z } from "@hono/zod-openapi";

/**
 * The instants a date-time input may name. PostgreSQL refuses year 0 (22008) and JavaScript's
 * Date and ISO strings leave four digits at 9999, so years 0001–9999 are what both store and
 * print exactly (PGlite included). The bound is on the instant: `0001-01-01T00:00:00+05:30` is
 * still year 0 in UTC.
 */
export const FIRST_INSTANT = Date.parse("0001-01-01T00:00:00.000Z");
export const LAST_INSTANT = Date.parse("9999-12-31T23:59:59.999Z");

/**
 * RFC 3339 with seconds, at most millisecond digits (a JS Date and the stored value keep no more:
 * finer digits would not round-trip) and an explicit offset, years 0001–9999.
 */
export const DATE_TIME_PATTERN =
  "^(?:000[1-9]|00[1-9]\\d|0[1-9]\\d{2}|[1-9]\\d{3})-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\\d|3[01])" +
  "T(?:[01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(?:\\.\\d{1,3})?(?:Z|[+-](?:[01]\\d|2[0-3]):[0-5]\\d)$";
const DATE_TIME = new RegExp(DATE_TIME_PATTERN);

const RANGE =
  "RFC 3339 date-time with seconds and an offset (`Z` or `±hh:mm`), at most 3 fraction digits; " +
  "the instant must fall within 0001-01-01T00:00:00Z … 9999-12-31T23:59:59.999Z.";

/** Answers always carry this form, whatever offset the request used. */
export const RETURNED_FORM = "Returned in UTC with milliseconds: `YYYY-MM-DDTHH:mm:ss.sssZ`.";

/** Whether the calendar date exists (no 30 February), checked in the year as written. */
function isRealDate(value: string): boolean {
  const [year, month, day] = value.slice(0, 10).split("-").map(Number) as [number, number, number];
  const probe = new Date(0);
  probe.setUTCFullYear(year, month - 1, day);
  return probe.getUTCMonth() === month - 1 && probe.getUTCDate() === day;
}

function isInRange(value: string): boolean {
  const instant = Date.parse(value);
  return instant >= FIRST_INSTANT && instant <= LAST_INSTANT;
}

/**
 * The one date-time input schema: every body field and query filter that takes an instant uses
 * it, so all of them share one range, one precision and one 400 (`errors[].path` names the field).
 */
export const DateTimeInput = z
  .string()
  .regex(DATE_TIME, {
    error: "must be an RFC 3339 date-time with seconds and an offset, years 0001–9999",
    abort: true,
  })
  .refine(isRealDate, { error: "is not a calendar date", abort: true })
  .refine(isInRange, { error: "must fall within 0001-01-01T00:00:00Z … 9999-12-31T23:59:59.999Z" })
  .transform((value) => new Date(value))
  .openapi({
    type: "string",
    format: "date-time",
    pattern: DATE_TIME_PATTERN,
    description: RANGE,
    example: "2030-07-01T09:15:30.123+02:00",
  });

/** DateTimeInput whose description says what the field means, then the accepted range. */
export function dateTimeInput(meaning: string) {
  return DateTimeInput.openapi({ description: `${meaning}. ${RANGE}` });
}

/** A date-time the API answers with. */
export const DateTimeOutput = z.iso.datetime().openapi({ description: RETURNED_FORM });
