import fc from "fast-check";

/** Hostile scalars: wrong types, edges, huge and odd strings, injection-looking text. */
export function nastyScalar(ids: readonly string[]): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constantFrom<unknown>(
      null,
      true,
      false,
      0,
      -1,
      1e308,
      -1e308,
      2 ** 53 + 1,
      0.5,
      "",
      " ",
      "null",
      "undefined",
      "NaN",
      "1e6",
      "-0",
      "0x10",
      "\u0000",
      "a\u0000b",
      "\ud800",
      "x\udfffy",
      "\ufeff",
      "\u202e",
      "𝕋𝕚𝕩",
      "👩🏽‍💻",
      "%",
      "_",
      "'",
      "\\",
      "%' OR '1'='1",
      "'; drop table tickets; --",
      "<script>alert(1)</script>",
      "../../etc/passwd",
      "$" + "{jndi:ldap://x}",
      "2024-02-30T00:00:00Z",
      "0000-01-01T00:00:00Z",
      "9999-12-31T23:59:59.999999Z",
      "00000000-0000-0000-0000-000000000000",
      "not-a-uuid",
      "me",
      "none",
      [],
      {},
      [[[]]],
    ),
    fc.constantFrom(...ids),
    fc.string({ unit: "binary", maxLength: 40 }),
    fc.string({ unit: "grapheme", maxLength: 40 }),
    fc.integer({ min: 1, max: 70_000 }).map((length) => "x".repeat(length)),
    fc.double(),
    fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map((big) => Number(big)),
  );
}

/** Deeply nested arrays/objects, to probe recursion limits of parsers and validators. */
export const deepNesting: fc.Arbitrary<unknown> = fc
  .tuple(fc.integer({ min: 50, max: 800 }), fc.boolean())
  .map(([depth, arrays]) => {
    let value: unknown = "leaf";
    for (let level = 0; level < depth; level++) value = arrays ? [value] : { a: value };
    return value;
  });

/**
 * Mutations of a valid JSON object: swap a field for a hostile value, drop a field, add an extra
 * (or a mass-assignment) field, wrap it, or replace it entirely.
 */
export function mutatedJson(valid: fc.Arbitrary<unknown>, ids: readonly string[]): fc.Arbitrary<unknown> {
  const hostile = fc.oneof({ arbitrary: nastyScalar(ids), weight: 5 }, { arbitrary: deepNesting, weight: 1 });
  const extraKeys = fc.constantFrom(
    "role",
    "reporterId",
    "version",
    "id",
    "createdAt",
    "status",
    "passwordHash",
    "__proto__",
    "constructor",
    "deletedAt",
  );
  return fc.oneof(
    fc.tuple(valid, fc.nat(), hostile).map(([value, index, replacement]) => {
      if (!isObject(value)) return replacement;
      const keys = Object.keys(value);
      if (keys.length === 0) return { [String(index)]: replacement };
      return { ...value, [keys[index % keys.length] as string]: replacement };
    }),
    fc.tuple(valid, fc.nat()).map(([value, index]) => {
      if (!isObject(value)) return value;
      const keys = Object.keys(value);
      const copy = { ...value };
      if (keys.length > 0) delete copy[keys[index % keys.length] as string];
      return copy;
    }),
    fc
      .tuple(valid, extraKeys, hostile)
      .map(([value, key, extra]) =>
        isObject(value)
          ? JSON.parse(
              `${JSON.stringify(value).slice(0, -1)}${Object.keys(value).length ? "," : ""}${JSON.stringify(key)}:${JSON.stringify(extra) ?? "null"}}`,
            )
          : value,
      ),
    valid.map((value) => [value]),
    hostile,
    fc.jsonValue({ maxDepth: 3 }),
  );
}

/** Raw bodies that are not (well-formed, unique-keyed, UTF-8) JSON at all. */
export function rawJsonText(valid: fc.Arbitrary<unknown>): fc.Arbitrary<string | Uint8Array> {
  return fc.oneof(
    fc.constantFrom<string | Uint8Array>(
      "",
      " ",
      "{",
      "}",
      "[",
      "null",
      "0",
      '"text"',
      "{'single': 'quotes'}",
      '{"a":1,}',
      '{"a":NaN}',
      '{"a":"\\ud800"}',
      '{"a":"\\u0000"}',
      "\ufeff{}",
      '{"__proto__":{"role":"admin"}}',
      new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
      new Uint8Array([0x7b, 0x22, 0x6e, 0x61, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]),
      new Uint8Array([0xed, 0xa0, 0x80]),
    ),
    // The same key twice: JSON.parse keeps the last, so validation must see the value that wins.
    valid.map((value) => {
      if (!isObject(value) || Object.keys(value).length === 0) return JSON.stringify(value) ?? "null";
      const [key] = Object.keys(value);
      const body = JSON.stringify(value);
      return `{${JSON.stringify(key)}:{"nested":[1,2,3]},${body.slice(1)}`;
    }),
    valid.map((value) => (JSON.stringify(value) ?? "").slice(0, -1)),
    // Far deeper than any value can be built in memory here: parsers must not recurse on it.
    fc.integer({ min: 1000, max: 20_000 }).map((depth) => `${"[".repeat(depth)}1${"]".repeat(depth)}`),
    fc.integer({ min: 1000, max: 20_000 }).map((depth) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`),
    fc.string({ unit: "binary", maxLength: 200 }),
  );
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
