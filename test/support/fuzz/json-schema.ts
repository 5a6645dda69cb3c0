import fc from "fast-check";
import { validDateTime } from "./date-times.ts";

/** The subset of JSON Schema (2020-12, as zod emits it into OpenAPI 3.1) the fuzzer reads. */
export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  example?: unknown;
  default?: unknown;
  description?: string;
  minProperties?: number;
  /** `not: {}` forbids the property outright (`assigneeId` on a ticket PATCH): valid requests leave it out. */
  not?: JsonSchema;
}

/** Values the world knows about: real ids (own and foreign) make "valid" requests reach services. */
export interface ValuePools {
  ids: readonly string[];
  words: readonly string[];
  /** Ids by field or parameter name (`categoryId` → categories): valid requests name the right kind. */
  idsByName?: Readonly<Record<string, readonly string[]>>;
}

/**
 * Arbitrary for values that satisfy a JSON schema from the OpenAPI document ("valid" requests).
 * Strings with a uuid format come mostly from the id pool, so requests hit real rows; free strings
 * mix the schema's example, words seen in the document (enums), ids and plain text.
 */
export function validValue(
  schema: JsonSchema,
  components: Record<string, JsonSchema>,
  pools: ValuePools,
  depth = 0,
  name = "",
): fc.Arbitrary<unknown> {
  const resolved = resolve(schema, components);
  if (resolved.const !== undefined) return fc.constant(resolved.const);
  if (resolved.enum) return fc.constantFrom(...resolved.enum);
  const union = resolved.anyOf ?? resolved.oneOf;
  if (union)
    return fc.oneof(...union.map((branch) => validValue(branch, components, pools, depth + 1, name)));
  if (resolved.allOf)
    return validValue(mergeAll(resolved.allOf, components), components, pools, depth + 1, name);
  const types = Array.isArray(resolved.type) ? resolved.type : resolved.type ? [resolved.type] : ["string"];
  // Nullable fields get null now and then, as a client clearing them would send.
  return fc.oneof(
    ...types.map((type) => ({
      arbitrary: valueOfType(type, resolved, components, pools, depth, name),
      weight: type === "null" ? 1 : 4,
    })),
  );
}

function valueOfType(
  type: string,
  schema: JsonSchema,
  components: Record<string, JsonSchema>,
  pools: ValuePools,
  depth: number,
  name: string,
): fc.Arbitrary<unknown> {
  switch (type) {
    case "null":
      return fc.constant(null);
    case "boolean":
      return fc.boolean();
    case "integer":
    case "number": {
      const min = schema.minimum ?? (schema.exclusiveMinimum ?? -1_000_001) + 1;
      const max = schema.maximum ?? (schema.exclusiveMaximum ?? 1_000_001) - 1;
      const integers = fc.integer({ min: Math.ceil(min), max: Math.floor(max) });
      const edges = fc.constantFrom(Math.ceil(min), Math.floor(max));
      return fc.oneof({ arbitrary: integers, weight: 2 }, { arbitrary: edges, weight: 1 });
    }
    case "array": {
      const items = schema.items ?? {};
      return fc.array(validValue(items, components, pools, depth + 1), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 4, depth > 2 ? 1 : 4),
      });
    }
    case "object":
      return objectValue(schema, components, pools, depth);
    default:
      return stringValue(schema, pools, name);
  }
}

function objectValue(
  schema: JsonSchema,
  components: Record<string, JsonSchema>,
  pools: ValuePools,
  depth: number,
): fc.Arbitrary<unknown> {
  const properties = schema.properties ?? {};
  const required = new Set(schema.required ?? []);
  const shape: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, property] of Object.entries(properties)) {
    if (resolve(property, components).not !== undefined && !required.has(name)) continue;
    shape[name] = validValue(property, components, pools, depth + 1, name);
  }
  return fc
    .record(shape, { requiredKeys: [...required].filter((key) => key in shape) })
    .filter((value) => Object.keys(value).length >= (schema.minProperties ?? 0));
}

/** Characters any stored text may hold: no NUL, no lone surrogates (the server refuses those, see the document's info). */
const storable = (value: string) => !value.includes(String.fromCharCode(0)) && !/\p{Cs}/u.test(value);

function stringValue(schema: JsonSchema, pools: ValuePools, name: string): fc.Arbitrary<string> {
  const min = schema.minLength ?? 0;
  const max = Math.min(schema.maxLength ?? 60, 300);
  const length = { minLength: min, maxLength: Math.max(min, max) };
  const fits = (value: string) => value.length >= min && value.length <= (schema.maxLength ?? Infinity);
  const pattern = schema.pattern ? new RegExp(schema.pattern, "u") : undefined;
  const valid = (value: string) => fits(value) && storable(value) && (!pattern || pattern.test(value));
  switch (schema.format) {
    case "uuid": {
      const named = pools.idsByName?.[name] ?? [];
      return fc.oneof(
        { arbitrary: fc.constantFrom(...(named.length > 0 ? named : pools.ids)), weight: 6 },
        { arbitrary: fc.constantFrom(...pools.ids), weight: 1 },
        { arbitrary: fc.uuid({ version: [1, 2, 3, 4, 5, 6, 7, 8] }), weight: 1 },
      );
    }
    case "email":
      return fc
        .oneof(fc.emailAddress(), fc.constant(`fuzz-${Math.random().toString(36).slice(2)}@example.test`))
        .filter(valid);
    case "date-time":
      return validDateTime(schema);
    default:
      break;
  }
  // Mostly printable text, with the edges: empty (when allowed) and the longest allowed.
  const plain = fc
    .oneof(
      { arbitrary: fc.string(length), weight: 4 },
      { arbitrary: fc.string({ ...length, unit: "grapheme" }), weight: 1 },
      { arbitrary: fc.string({ ...length, unit: "binary-ascii" }), weight: 1 },
      { arbitrary: fc.constantFrom("x".repeat(min), "y".repeat(schema.maxLength ?? max)), weight: 1 },
    )
    .filter(valid);
  const patterned = pattern ? fc.stringMatching(pattern, { size: "small" }).filter(valid) : undefined;
  // Ids only where the schema asks for one: foreign ids written into free text by one actor would
  // later show up in another actor's 2xx bodies and blur the visibility check.
  const known = [schema.example, schema.default, ...pools.words].filter(
    (value): value is string => typeof value === "string" && valid(value),
  );
  const choices: fc.WeightedArbitrary<string>[] = [{ arbitrary: patterned ?? plain, weight: 2 }];
  if (known.length > 0) choices.push({ arbitrary: fc.constantFrom(...known), weight: 2 });
  if (!patterned) choices.push({ arbitrary: plain, weight: 1 });
  return fc.oneof(...choices);
}

export function resolve(schema: JsonSchema, components: Record<string, JsonSchema>): JsonSchema {
  let current = schema;
  for (let hops = 0; current.$ref && hops < 10; hops++) {
    const name = current.$ref.replace("#/components/schemas/", "");
    const target = components[name];
    if (!target) throw new Error(`unresolved $ref ${current.$ref}`);
    current = { ...target, ...withoutRef(current) };
  }
  return current;
}

function withoutRef(schema: JsonSchema): JsonSchema {
  const { $ref: _ref, ...rest } = schema;
  return rest;
}

function mergeAll(parts: JsonSchema[], components: Record<string, JsonSchema>): JsonSchema {
  const merged: JsonSchema = { type: "object", properties: {}, required: [] };
  for (const part of parts.map((p) => resolve(p, components))) {
    Object.assign(merged.properties as object, part.properties ?? {});
    merged.required = [...(merged.required ?? []), ...(part.required ?? [])];
    if (part.type && part.type !== "object") return part;
  }
  return merged;
}
