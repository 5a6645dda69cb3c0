import fc from "fast-check";
import { isObject } from "./nasty.ts";

const POISONS = ["\u0000", "\ud800", "\udfff", "\u202e", "\ufeff", "\u0007", "\r\n", "%_'\\", "\u{1f4a9}"];

/**
 * A valid value whose strings each carry one hostile character at a random place: the request
 * passes validation and reaches the database with NUL bytes, lone surrogates and friends.
 */
export function poisonedStrings(valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc
    .tuple(valid, fc.constantFrom(...POISONS), fc.nat())
    .map(([value, poison, at]) => poison_(value, poison, at));
}

function poison_(value: unknown, poison: string, at: number): unknown {
  if (typeof value === "string") {
    const index = value.length === 0 ? 0 : at % value.length;
    return `${value.slice(0, index)}${poison}${value.slice(index)}`;
  }
  if (Array.isArray(value)) return value.map((item) => poison_(item, poison, at));
  if (isObject(value))
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, poison_(item, poison, at)]));
  return value;
}

/**
 * Well-formed cursors (base64url JSON arrays, as src/lib/cursor.ts writes them) of plausible but
 * wrong values: dates JavaScript accepts and PostgreSQL refuses, other sorts' names, wrong arity.
 */
export function forgedCursor(ids: readonly string[]): fc.Arbitrary<string> {
  const value = fc.oneof(
    fc.constantFrom<unknown>(
      "0",
      "1",
      "12",
      "March 7",
      "infinity",
      "epoch",
      "2024-02-30T00:00:00Z",
      "2024-02-30 00:00:00+00",
      "2024-02-29 23:59:60.000001+00",
      "2025-01-31 09:15:00.123456+00",
      "0001-01-01T00:00:00.000000Z",
      "+275760-09-13T00:00:00Z",
      "2025-01-31T09:15:00.123456Z",
      "-createdAt",
      "createdAt",
      "priority",
      "relevance",
      "dueAt",
      "urgent",
      "1e5",
      null,
      -1,
      0,
      2 ** 53,
      1e300,
      1.5,
      "",
    ),
    fc.constantFrom(...ids),
    fc.string({ maxLength: 12 }),
  );
  const id = fc.oneof(fc.constantFrom(...ids), fc.integer({ min: -1, max: 2 ** 31 }));
  // Mostly the common [sort key, id] shape, so that forged values get past arity checks.
  const shaped = fc.oneof(
    fc.tuple(value, id),
    fc.tuple(fc.constantFrom("-createdAt", "createdAt", "dueAt", "priority"), value, id),
  );
  return fc
    .oneof({ arbitrary: shaped, weight: 3 }, { arbitrary: fc.array(value, { maxLength: 4 }), weight: 1 })
    .map((values) => Buffer.from(JSON.stringify(values)).toString("base64url"));
}
