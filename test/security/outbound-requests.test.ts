import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestContext, type TestContext } from "../support/test-context.ts";

/**
 * OWASP API7 (SSRF): the only URL a client may send is a webhook endpoint's, and it is reached
 * only through the WebhookTransport port (src/adapters/webhooks), behind the SSRF guard
 * (test/webhooks/ssrf.test.ts). Otherwise the code that serves routes opens no connection of its
 * own: outbound traffic goes to PostgreSQL and Redis, whose addresses come from config at the
 * doors. These tests keep that true as routes are added.
 */
type Schema = {
  $ref?: string;
  format?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: Schema | boolean;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
};
type Operation = {
  parameters?: { name: string; schema?: Schema }[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
};

const URL_FORMATS = new Set(["uri", "url", "uri-reference", "iri", "iri-reference", "uri-template"]);
const URL_NAMES = /url|uri|href|link|callback|webhook|endpoint|host/i;

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

/** Names and formats of every field a request can carry, following $refs into the components. */
interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

function requestFields(
  document: OpenApiDocument,
): { where: string; name: string; format?: string | undefined }[] {
  const fields: { where: string; name: string; format?: string | undefined }[] = [];
  const seen = new Set<Schema>();
  const visit = (schema: Schema | undefined, where: string, name: string) => {
    if (!schema || seen.has(schema)) return;
    seen.add(schema);
    if (schema.$ref) {
      visit(document.components.schemas[schema.$ref.replace("#/components/schemas/", "")], where, name);
      return;
    }
    fields.push({ where, name, format: schema.format });
    for (const [property, child] of Object.entries(schema.properties ?? {})) visit(child, where, property);
    for (const child of [
      schema.items,
      ...(schema.anyOf ?? []),
      ...(schema.oneOf ?? []),
      ...(schema.allOf ?? []),
    ])
      visit(child, where, name);
    if (typeof schema.additionalProperties === "object") visit(schema.additionalProperties, where, name);
  };
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const where = `${method.toUpperCase()} ${path}`;
      for (const parameter of operation.parameters ?? []) visit(parameter.schema, where, parameter.name);
      for (const media of Object.values(operation.requestBody?.content ?? {}))
        visit(media.schema, where, "body");
    }
  }
  return fields;
}

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

describe("server-side request forgery surface", () => {
  it("no request of the OpenAPI document takes a URL, in a body, query, path or header, but a webhook's", async () => {
    const document = (await (await ctx.app.request("/openapi.json")).json()) as OpenApiDocument;
    const fields = requestFields(document);
    expect(fields.length).toBeGreaterThan(100);
    const urlLike = fields.filter(
      (field) => URL_FORMATS.has(field.format ?? "") || URL_NAMES.test(field.name),
    );
    expect(urlLike).toEqual([
      { where: "POST /v1/webhooks", name: "url", format: "uri" },
      { where: "PATCH /v1/webhooks/{id}", name: "url", format: "uri" },
    ]);
  });

  it("the code that serves routes opens no connection of its own", () => {
    const outbound =
      /\bfetch\s*\(|from "node:(?:http|https|net|tls|dgram)"|cloudflare:sockets|new WebSocket\(/;
    const offenders = ["src/features", "src/middleware", "src/lib"]
      .flatMap(sourceFiles)
      .filter((file) => outbound.test(readFileSync(file, "utf8")));
    expect(offenders).toEqual([]);
  });
});
