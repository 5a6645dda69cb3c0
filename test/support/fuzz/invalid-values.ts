import fc from "fast-check";
import { invalidDateTime } from "./date-times.ts";
import type { DocumentValidator } from "./document-validator.ts";
import { type JsonSchema, resolve } from "./json-schema.ts";

/** Refused by the document's info for every string: NUL and unpaired surrogates. */
const UNSTORABLE = ["a\u0000b", "\u0000", "x\ud800y", "\udfff"];

const typesOf = (schema: JsonSchema): string[] =>
  Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];

/**
 * Values the document refuses for `schema`, one field at a time: out of bounds by one, empty or
 * one too long, off-pattern, outside the enum, the wrong type, null where not nullable, date-times
 * outside the documented range. Each candidate is checked against the document itself (besides
 * the range and storable-text rules, which the document states in words), so a value the
 * document would accept never counts as invalid. Undefined when nothing can be invalid.
 */
export function invalidValue(
  schema: JsonSchema,
  components: Record<string, JsonSchema>,
  validator: DocumentValidator,
  wire: "json" | "text",
  header: boolean,
): fc.Arbitrary<unknown> | undefined {
  const resolved = resolve(schema, components);
  const types = typesOf(resolved);
  const candidates: unknown[] = [];
  const strings = types.includes("string") || types.length === 0;
  if (strings) {
    candidates.push("", " ", "\u0007", "x".repeat((resolved.maxLength ?? 70_000) + 1), "nope");
    if ((resolved.minLength ?? 0) > 1) candidates.push("x".repeat((resolved.minLength ?? 1) - 1));
    if (resolved.format === "uuid")
      candidates.push(
        "not-a-uuid",
        "01234567-89ab-0def-8123-456789abcdef",
        "01234567-89ab-4def-c123-456789abcdef",
      );
  }
  for (const type of ["integer", "number"]) {
    if (!types.includes(type)) continue;
    if (resolved.minimum !== undefined) candidates.push(resolved.minimum - 1);
    if (resolved.maximum !== undefined) candidates.push(resolved.maximum + 1);
    if (type === "integer") candidates.push(1.5);
    candidates.push("abc", "");
  }
  if (types.includes("array")) {
    candidates.push("x", {});
    if (resolved.maxItems !== undefined)
      candidates.push(Array.from({ length: resolved.maxItems + 1 }, () => 1));
  }
  if (types.includes("object")) candidates.push([], "x", 0);
  if (types.includes("boolean")) candidates.push("yes", 2);
  if (wire === "json") candidates.push(null, 7, true, {}, []);
  // Sent as fetch sends a header: visible Latin-1 only (requests.ts's headerSafe), trimmed.
  const asHeader = (text: string) =>
    text
      .replace(/[^\x20-\x7e\x80-\xff]/g, "?")
      .slice(0, 8000)
      .trim();
  const encode = (value: unknown) => {
    if (wire === "json") return value;
    const text = typeof value === "string" ? value : JSON.stringify(value);
    return header ? asHeader(text) : text;
  };
  const refused = candidates
    .map(encode)
    .filter((value) => !validator.accepts(wire === "text" ? textSchema(resolved) : schema, value));
  const arbitraries: fc.Arbitrary<unknown>[] = [];
  if (refused.length > 0) arbitraries.push(fc.constantFrom(...refused));
  if (strings && resolved.format === "date-time")
    arbitraries.push(invalidDateTime(resolved), invalidDateTime(resolved));
  // Headers cannot carry these at all (fetch refuses them before sending).
  // A query string carries a lone surrogate as U+FFFD (URLSearchParams encodes it so): NUL only there.
  if (strings && !header)
    arbitraries.push(fc.constantFrom(...(wire === "json" ? UNSTORABLE : UNSTORABLE.slice(0, 2))));
  return arbitraries.length > 0 ? fc.oneof(...arbitraries) : undefined;
}

/** A query or header value is text: an integer parameter is checked as the number it spells. */
function textSchema(schema: JsonSchema): JsonSchema {
  const types = typesOf(schema);
  if (!types.includes("integer") && !types.includes("number")) return schema;
  const bounds = `${schema.minimum ?? "-inf"}..${schema.maximum ?? "inf"}`;
  // Encoded as a pattern the validator can check on text: digits within the bounds.
  const allowed: string[] = [];
  if (schema.minimum !== undefined && schema.maximum !== undefined && schema.maximum - schema.minimum <= 1000)
    for (let value = schema.minimum; value <= schema.maximum; value++) allowed.push(String(value));
  return allowed.length > 0
    ? { type: "string", enum: allowed }
    : { type: "string", pattern: "^-?\\d+$", description: bounds };
}
