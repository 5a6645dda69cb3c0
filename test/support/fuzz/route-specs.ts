import type { z } from "@hono/zod-openapi";
import type { JsonSchema } from "./json-schema.ts";

export interface Parameter {
  name: string;
  in: "path" | "query" | "header";
  required: boolean;
  schema: JsonSchema;
}

/** One documented operation, as the fuzzer needs it. */
export interface RouteSpec {
  method: string;
  /** OpenAPI path, e.g. /v1/tickets/{id}. */
  path: string;
  secured: boolean;
  parameters: Parameter[];
  body: JsonSchema | undefined;
  /** Declared status → declared content types (empty for a bodiless response such as 204). */
  declared: Map<number, string[]>;
  /** The route's own zod schemas for JSON 2xx responses, when the app runs in this process. */
  responseSchemas: Map<number, z.ZodType>;
  /** The document's JSON schemas for JSON 2xx responses: answers must match what it says. */
  documentSchemas: Map<number, JsonSchema>;
  /** Roles that may call it (test/support/route-table.ts); valid requests come from these. */
  allowed?: readonly string[];
}

interface Operation {
  security?: unknown[];
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema: JsonSchema }> };
  responses: Record<string, { content?: Record<string, { schema?: JsonSchema }> }>;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, JsonSchema> };
}

interface RouteDefinition {
  type: string;
  route?: {
    method: string;
    path: string;
    responses: Record<string, { content?: Record<string, { schema?: z.ZodType }> }>;
  };
}

/** Walks the served OpenAPI document and pairs each operation with its registered zod schemas. */
export async function loadRouteSpecs(
  request: (path: string, init?: RequestInit) => Promise<Response>,
  registryDefinitions?: unknown[],
): Promise<{ document: OpenApiDocument; routes: RouteSpec[] }> {
  const response = await request("/openapi.json");
  const document = (await response.json()) as OpenApiDocument;
  const definitions = (registryDefinitions ?? []) as RouteDefinition[];
  const routes: RouteSpec[] = [];
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const definition = definitions.find(
        (candidate) =>
          candidate.type === "route" && candidate.route?.method === method && candidate.route.path === path,
      );
      if (registryDefinitions && !definition?.route)
        throw new Error(`no registry definition for ${method} ${path}`);
      const declared = new Map<number, string[]>();
      const responseSchemas = new Map<number, z.ZodType>();
      const documentSchemas = new Map<number, JsonSchema>();
      for (const [status, declaredResponse] of Object.entries(operation.responses)) {
        declared.set(Number(status), Object.keys(declaredResponse.content ?? {}));
        const zod = definition?.route?.responses[status]?.content?.["application/json"]?.schema;
        if (Number(status) < 300 && zod) responseSchemas.set(Number(status), zod);
        const documented = declaredResponse.content?.["application/json"]?.schema;
        if (Number(status) < 300 && documented) documentSchemas.set(Number(status), documented);
      }
      routes.push({
        method: method.toUpperCase(),
        path,
        secured: (operation.security ?? []).length > 0,
        parameters: operation.parameters ?? [],
        body: operation.requestBody?.content?.["application/json"]?.schema,
        declared,
        responseSchemas,
        documentSchemas,
      });
    }
  }
  return { document, routes };
}

/** Every string enum value and example in the document: plausible words for free-text fields. */
export function documentWords(document: OpenApiDocument): string[] {
  const words = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) walk(item);
      return;
    }
    if (typeof node !== "object" || node === null) return;
    const record = node as Record<string, unknown>;
    if (Array.isArray(record.enum))
      for (const value of record.enum) if (typeof value === "string") words.add(value);
    if (typeof record.example === "string") words.add(record.example);
    for (const value of Object.values(record)) walk(value);
  };
  walk(document);
  return [...words];
}
