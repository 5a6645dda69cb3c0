import { type Schema, Validator } from "@cfworker/json-schema";

/**
 * Validates values against the OpenAPI document's own JSON Schemas (2020-12), $refs included, so
 * that what the server sends and accepts is compared with what the document says, not with the
 * zod schemas it was generated from (the generator has lost nullability before).
 */
export class DocumentValidator {
  readonly #components: Record<string, unknown>;
  readonly #cache = new Map<string, Validator>();

  constructor(document: { components: { schemas: Record<string, unknown> } }) {
    this.#components = document.components as Record<string, unknown>;
  }

  /** The reasons `value` does not match `schema` (which may $ref the document's components). */
  errors(schema: object, value: unknown): string[] {
    const key = JSON.stringify(schema);
    let validator = this.#cache.get(key);
    if (!validator) {
      validator = new Validator({ ...schema, components: this.#components } as Schema, "2020-12", false);
      this.#cache.set(key, validator);
    }
    const result = validator.validate(value);
    return result.valid ? [] : result.errors.map((error) => `${error.instanceLocation}: ${error.error}`);
  }

  accepts(schema: object, value: unknown): boolean {
    return this.errors(schema, value).length === 0;
  }

  component(name: string): object {
    return { $ref: `#/components/schemas/${name}` };
  }
}
