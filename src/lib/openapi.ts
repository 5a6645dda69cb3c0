import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { BadRequestError, UnsupportedMediaTypeError, ValidationError } from "./errors.ts";

const JSON_MEDIA_TYPE = /^application\/([a-z0-9.-]+\+)?json\s*(;|$)/i;

export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: "urn:tixgenius:problem:validation_failed" }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string(),
    code: z.string(),
    requestId: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi("Problem");

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: "Invalid request (validation errors listed in `errors`)",
  401: "Not authenticated",
  403: "Authenticated but not allowed",
  404: "Not found",
  405: "Method not allowed",
  409: "Conflict with the current state",
  412: "Precondition failed (stale If-Match)",
  413: "Request body too large",
  415: "Request body is not JSON",
  422: "Unprocessable request",
  429: "Rate limited",
  500: "Internal error",
  503: "A dependency is unavailable",
};

/** Declares problem+json responses for the given statuses, for a route's `responses`. */
export function problemResponses<const S extends keyof typeof PROBLEM_DESCRIPTIONS>(...statuses: S[]) {
  const responses = {} as Record<
    S,
    { description: string; content: { "application/problem+json": { schema: typeof ProblemSchema } } }
  >;
  for (const status of statuses) {
    responses[status] = {
      description: PROBLEM_DESCRIPTIONS[status] ?? "Error",
      content: { "application/problem+json": { schema: ProblemSchema } },
    };
  }
  return responses;
}

/** What z.uuid() accepts (RFC 9562 versions 1–8, nil and max): stricter than `format: uuid`. */
export const UUID_PATTERN =
  "^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}|00000000-0000-0000-0000-000000000000|ffffffff-ffff-ffff-ffff-ffffffffffff)$";
/** What z.email() accepts: stricter than `format: email`. */
export const EMAIL_PATTERN =
  "^(?:[A-Za-z0-9_'+\\-]+\\.)*[A-Za-z0-9_'+\\-]*[A-Za-z0-9_+-]@(?:[A-Za-z0-9][A-Za-z0-9\\-]*\\.)+[A-Za-z]{2,}$";
/** A trimmed string that must not end up empty: at least one non-blank character. */
export const NOT_BLANK = "\\S";
/** Header values: blanks around are only spaces and tabs (HTTP's OWS), which fetch trims anyway. */
export const IF_MATCH_PATTERN = '^[ \\t]*(?:\\*|(?:W/)?"\\d{1,10}")[ \\t]*$';
export const IDEMPOTENCY_KEY_PATTERN = "^[\\x21-\\x7e]{1,128}$";

/**
 * zod checks uuid and email strings with its own patterns, stricter than the JSON Schema formats
 * the generator writes: add them, so that generated clients and fuzzers agree with the server.
 */
export function withValidatorPatterns<T>(document: T): T {
  const visit = (node: unknown): void => {
    if (typeof node !== "object" || node === null) return;
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    const schema = node as Record<string, unknown>;
    if (schema.pattern === undefined && schema.format === "uuid") schema.pattern = UUID_PATTERN;
    if (schema.pattern === undefined && schema.format === "email") schema.pattern = EMAIL_PATTERN;
    Object.values(schema).forEach(visit);
  };
  visit(document);
  return document;
}

/** The bearer scheme's name in the OpenAPI document; routes require it through BEARER_AUTH. */
export const BEARER_SCHEME = "bearerAuth";
/** `security` of every route behind `authenticate()`: an access token from login or refresh. */
export const BEARER_AUTH = [{ [BEARER_SCHEME]: [] }];

/** Optional conditional-request header of PATCH and DELETE routes: a stale tag is a 412. */
export const IfMatch = z.object({
  "if-match": z
    .string()
    .optional()
    .openapi({ description: 'The entity tag last read, e.g. "3", or `*`', pattern: IF_MATCH_PATTERN }),
});

/** Optional header of every resource POST: a retry with the same key and body replays the answer. */
export const IdempotencyKey = z.object({
  "idempotency-key": z.string().optional().openapi({
    description: "Replays the stored response for a retry with the same key and body (24 h)",
    minLength: 1,
    maxLength: 128,
    pattern: IDEMPOTENCY_KEY_PATTERN,
  }),
});

/** A required JSON request body. Required, so that a non-JSON body reaches the hook and gets 415. */
export function jsonBody<T extends z.ZodType>(schema: T, description?: string) {
  return {
    required: true as const,
    ...(description ? { description } : {}),
    content: { "application/json": { schema } },
  };
}

export function jsonContent<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } };
}

type HookResult =
  | { success: true; target: string; data?: unknown }
  | { success: false; target: string; error: z.ZodError };

/**
 * NUL and unpaired surrogates: PostgreSQL refuses the first, and the UTF-8 encoder would silently
 * turn the second into U+FFFD in a text column (a jsonb column refuses it: that one was a 400).
 */
const UNSTORABLE = new RegExp(`${String.fromCharCode(0)}|\\p{Cs}`, "u");

function holdsUnstorableText(value: unknown): boolean {
  if (typeof value === "string") return UNSTORABLE.test(value);
  if (Array.isArray(value)) return value.some(holdsUnstorableText);
  if (typeof value === "object" && value !== null) return Object.values(value).some(holdsUnstorableText);
  return false;
}

/**
 * Shared validation hook: every validation failure becomes one 400 problem with field paths like
 * `body.email` or `query.limit`, and a JSON target reached with another content type is a 415
 * instead of silently validating `{}`.
 */
export function validationHook(result: HookResult, c: Context): undefined {
  if (result.target === "json" && !JSON_MEDIA_TYPE.test(c.req.header("Content-Type") ?? "")) {
    throw new UnsupportedMediaTypeError();
  }
  if (result.success) {
    if (holdsUnstorableText(result.data))
      throw new BadRequestError(
        "The request contains a character that cannot be stored (such as U+0000).",
        "unstorable_character",
      );
    return undefined;
  }
  const prefix = result.target === "json" ? "body" : result.target;
  throw new ValidationError(
    result.error.issues.map((issue) => ({
      path: [prefix, ...issue.path.map(String)].join("."),
      message: issue.message,
    })),
  );
}
