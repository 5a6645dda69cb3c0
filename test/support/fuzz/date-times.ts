import fc from "fast-check";
import type { JsonSchema } from "./json-schema.ts";

/** The instant range a date-time schema states in its description ("… within A … B"), else years 1–9999. */
export function instantRange(schema: JsonSchema): { first: number; last: number } {
  const match = /within (\S+) … (\S+?)\.?(?:\s|$)/.exec(schema.description ?? "");
  const first = Date.parse(match?.[1] ?? "0001-01-01T00:00:00.000Z");
  const last = Date.parse(match?.[2] ?? "9999-12-31T23:59:59.999Z");
  return { first, last };
}

const pad = (value: number, length: number) => String(Math.abs(value)).padStart(length, "0");

/** RFC 3339 text of an instant as seen at `offsetMinutes`, with `digits` fraction digits (0–3). */
export function rfc3339(instant: number, offsetMinutes: number, digits: number, zulu: boolean): string {
  const local = new Date(instant + offsetMinutes * 60_000);
  const year = local.getUTCFullYear();
  const yearText = year >= 0 && year <= 9999 ? pad(year, 4) : `${year < 0 ? "-" : "+"}${pad(year, 6)}`;
  const fraction = digits === 0 ? "" : `.${pad(local.getUTCMilliseconds(), 3).slice(0, digits)}`;
  const offset =
    zulu && offsetMinutes === 0
      ? "Z"
      : `${offsetMinutes < 0 ? "-" : "+"}${pad(Math.trunc(Math.abs(offsetMinutes) / 60), 2)}:${pad(Math.abs(offsetMinutes) % 60, 2)}`;
  return `${yearText}-${pad(local.getUTCMonth() + 1, 2)}-${pad(local.getUTCDate(), 2)}T${pad(local.getUTCHours(), 2)}:${pad(local.getUTCMinutes(), 2)}:${pad(local.getUTCSeconds(), 2)}${fraction}${offset}`;
}

const yearStart = (year: number) => {
  const date = new Date(0);
  date.setUTCFullYear(year, 0, 1);
  return date.getTime();
};

/**
 * Valid date-times over the whole documented range: any year, with years 1–99 (where two-digit
 * year parsers go wrong) and the edges drawn often, offsets from −23:59 to +23:59, 0–3 fraction
 * digits. The text keeps a four-digit year whatever the offset, and the instant stays in range.
 */
export function validDateTime(schema: JsonSchema): fc.Arbitrary<string> {
  const { first, last } = instantRange(schema);
  const instant = fc.oneof(
    { arbitrary: fc.integer({ min: first, max: last }), weight: 3 },
    { arbitrary: fc.integer({ min: first, max: Math.min(last, yearStart(100)) }), weight: 3 },
    { arbitrary: fc.integer({ min: Math.max(first, yearStart(1900)), max: yearStart(2100) }), weight: 2 },
    { arbitrary: fc.constantFrom(first, last, first + 999, last - 999), weight: 1 },
  );
  const offset = fc.oneof(
    { arbitrary: fc.constant(0), weight: 2 },
    { arbitrary: fc.constantFrom(330, -300, 345, -570, 840, -720), weight: 1 },
    { arbitrary: fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 }), weight: 1 },
  );
  return fc
    .record({ instant, offset, digits: fc.integer({ min: 0, max: 3 }), zulu: fc.boolean() })
    .map(({ instant, offset, digits, zulu }) => {
      const unit = 10 ** (3 - digits);
      const exact = Math.floor(instant / unit) * unit;
      const text = rfc3339(exact, offset, digits, zulu);
      // Near the edges a local year can leave 0001–9999; fall back to UTC there.
      return /^\d{4}-/.test(text) && !text.startsWith("0000") ? text : rfc3339(exact, 0, digits, true);
    })
    .filter((text) => {
      const parsed = Date.parse(text);
      return parsed >= first && parsed <= last;
    });
}

/**
 * Date-times the document refuses: year 0000, instants just outside the range (also through an
 * offset), more fraction digits than documented, dates that do not exist, no offset, no seconds,
 * six-digit years.
 */
export function invalidDateTime(schema: JsonSchema): fc.Arbitrary<string> {
  const { first, last } = instantRange(schema);
  const valid = validDateTime(schema);
  return fc.oneof(
    fc.tuple(valid, fc.constantFrom("0000")).map(([text, year]) => `${year}${text.slice(4)}`),
    // The first and last local times of the range, at an offset that moves the instant outside it.
    fc
      .integer({ min: 1, max: 24 * 60 - 1 })
      .map((minutes) => rfc3339(first - minutes * 60_000, minutes, 0, false)),
    fc
      .integer({ min: 1, max: 24 * 60 - 1 })
      .map((minutes) => rfc3339(last - 999 + minutes * 60_000, -minutes, 0, false)),
    fc.integer({ min: 1, max: 10_000_000 }).map((ms) => rfc3339(first - ms, 0, 3, true)),
    fc.integer({ min: 1, max: 10_000_000 }).map((ms) => rfc3339(last + ms, 0, 3, true)),
    fc
      .tuple(valid, fc.integer({ min: 4, max: 9 }))
      .map(([text, digits]) =>
        text.replace(/(:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/, `$1.${"1".repeat(digits)}$3`),
      ),
    fc.constantFrom(
      "2023-02-29T00:00:00Z",
      "2024-04-31T12:00:00Z",
      "2024-01-01T24:00:00Z",
      "2024-01-01T00:00:60Z",
      "2024-01-01T00:00Z",
      "2024-01-01T00:00:00",
      "2024-01-01 00:00:00Z",
      "2024-01-01t00:00:00z",
      "2024-01-01T00:00:00+24:00",
      "+002024-01-01T00:00:00Z",
      "-000001-01-01T00:00:00Z",
      "2024-01-01",
      "",
    ),
  );
}
