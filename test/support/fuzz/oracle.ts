import type { DocumentValidator } from "./document-validator.ts";
import type { FuzzRequest } from "./requests.ts";

export interface Observed {
  status: number;
  contentType: string;
  text: string;
}

export interface OracleContext {
  maxBodyBytes: number;
  /** Ids a reporter actor must never get a 2xx for, or see in any 2xx body. */
  foreignIds: readonly string[];
  /** Must never appear in any 2xx body, nor in the path of a request that gets a 2xx (the victim's session). */
  secrets: readonly string[];
  validator: DocumentValidator;
  /** What the runtime in front of the app does first, when it is a real server (runner.ts's FuzzTarget). */
  platform?: Platform;
}

/**
 * Answers and changes that come from the runtime before the app runs, so no code of ours can
 * alter them; the oracle forgives exactly these, on the door where they happen.
 */
export interface Platform {
  /** workerd answers a URL over its limit with its own 414 text/plain (Node's server: 431, src/node/client-errors.ts). */
  refusesLongUrls: boolean;
  /** workerd drops a header whose value is empty: the Worker sees the request without it. */
  dropsEmptyHeaders: boolean;
}

/** Below this no runtime we run on refuses a URL; above it, refusing is the platform's right (RFC 9110 §4.1). */
const PLATFORM_URL_FLOOR_BYTES = 16 * 1024;

function platformAnswered(request: FuzzRequest, observed: Observed, platform: Platform | undefined): boolean {
  if (!platform?.refusesLongUrls || ![414, 431].includes(observed.status)) return false;
  return Buffer.byteLength(`${request.path}${request.query}`) > PLATFORM_URL_FLOOR_BYTES;
}

/** Whether the one refused part was an empty header the platform removed, leaving a request the document allows. */
function platformDroppedTheInvalidPart(request: FuzzRequest, platform: Platform | undefined): boolean {
  if (!platform?.dropsEmptyHeaders || !request.invalidAt?.startsWith("header.")) return false;
  const name = request.invalidAt.slice("header.".length).toLowerCase();
  return Object.entries(request.headers).some(([key, value]) => key.toLowerCase() === name && value === "");
}

/**
 * Rules the document states in words only (descriptions), which a request built from its JSON
 * Schemas can break: such a request is not counted as valid.
 */
export function brokenRuleInWords(request: FuzzRequest): string | undefined {
  const query = new URLSearchParams(request.query);
  const key = `${request.route.method} ${request.route.path}`;
  if (key === "GET /v1/audit-log") {
    if (query.has("entityId") && !query.has("entityType")) return "entityId needs entityType";
    const [from, to] = [query.get("from"), query.get("to")];
    if (from && to && Date.parse(from) > Date.parse(to)) return "from after to";
  }
  const body = request.json as Record<string, unknown> | undefined;
  if (key === "PUT /v1/developers/{userId}/profile" && Array.isArray(body?.skills)) {
    const ids = body.skills.map((skill) => (skill as { categoryId?: unknown }).categoryId);
    if (new Set(ids).size !== ids.length) return "a category twice in skills";
  }
  if (
    key === "PUT /v1/developers/{userId}/profile" &&
    typeof body?.timezone === "string" &&
    !knownTimeZone(body.timezone)
  )
    return "a time zone name ICU does not know";
  if (key === "POST /v1/auth/register" || key === "POST /v1/users" || key === "POST /v1/auth/password")
    return "password policy (common or personal passwords)";
  // Only a mailed link holds a live token: any other is refused with a 400 naming `token`.
  if (MAILED_TOKEN_ROUTES.has(key)) return "a token only a mailed link holds";
  return undefined;
}

const MAILED_TOKEN_ROUTES = new Set([
  "POST /v1/auth/password-reset/confirm",
  "POST /v1/auth/email-verification/confirm",
  "POST /v1/auth/email-change/confirm",
  "POST /v1/auth/email-change/cancel",
  "POST /v1/invitations/accept",
]);

/**
 * Statuses every route may answer without listing them (documented in test/hardening/README.md):
 * 429 anywhere (the rate limiters sit in front of every route), 401 on secured routes, and 413
 * when the body is over MAX_BODY_BYTES (the body limit is global middleware, before routing).
 */
function globallyAllowed(request: FuzzRequest, status: number): boolean {
  if (status === 429) return true;
  if (status === 401) return request.route.secured;
  if (status === 413) return bodyLength(request) > 0;
  return false;
}

function bodyLength(request: FuzzRequest): number {
  if (request.body === undefined) return 0;
  return typeof request.body === "string" ? Buffer.byteLength(request.body) : request.body.byteLength;
}

function knownTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat(undefined, { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/**
 * A 400 whose every error names a reference field (`parentId`, `body.skills.0.categoryId`): the
 * row it names does not exist or is out of reach, which no schema can know.
 */
function refersToMissingRows(observed: Observed): boolean {
  try {
    const errors = (JSON.parse(observed.text) as { errors?: { path: string }[] }).errors ?? [];
    return errors.length > 0 && errors.every((error) => /(^|\.)(\w*Id|id)$/.test(error.path));
  } catch {
    return false;
  }
}

/** Returns why the response breaks the contract, or undefined when it keeps it. */
export function violationOf(
  request: FuzzRequest,
  observed: Observed,
  context: OracleContext,
): string | undefined {
  const { status, contentType } = observed;
  const route = request.route;
  if (platformAnswered(request, observed, context.platform)) return undefined;
  if (status >= 500) return `server error ${status}`;
  if (status === 413 && bodyLength(request) <= context.maxBodyBytes) return "413 for a body within the limit";
  if (status === 304) {
    return route.method === "GET" && request.headers["if-none-match"] !== undefined
      ? undefined
      : "304 without If-None-Match";
  }
  const declared = route.declared.get(status);
  if (!declared && !globallyAllowed(request, status))
    return `status ${status} is not declared for this route`;
  if (route.secured && request.actor === "anonymous" && ![401, 413].includes(status)) {
    return `anonymous request to a secured route answered ${status}`;
  }
  if (
    request.mode === "valid" &&
    status === 400 &&
    !brokenRuleInWords(request) &&
    !refersToMissingRows(observed)
  )
    return "the document allows every part of this request, yet the server answered 400";
  if (request.mode === "invalid" && status < 300 && !platformDroppedTheInvalidPart(request, context.platform))
    return `the server accepted ${request.invalidAt}, which the document refuses`;
  if (status >= 400) {
    const expected = declared && declared.length > 0 ? declared : ["application/problem+json"];
    if (!expected.some((type) => contentType.startsWith(type)))
      return `error content type ${contentType}, expected ${expected.join(" | ")}`;
    if (contentType.startsWith("application/problem+json")) return problemViolation(observed);
    return undefined;
  }
  return successViolation(request, observed, context);
}

function problemViolation(observed: Observed): string | undefined {
  let problem: Record<string, unknown>;
  try {
    problem = JSON.parse(observed.text) as Record<string, unknown>;
  } catch {
    return "problem body is not JSON";
  }
  if (problem.status !== observed.status)
    return `problem.status ${String(problem.status)} differs from ${observed.status}`;
  if (
    typeof problem.code !== "string" ||
    typeof problem.type !== "string" ||
    typeof problem.title !== "string"
  ) {
    return "problem lacks type/title/code";
  }
  if (/\bat .+:\d+:\d+|stack/i.test(String(problem.detail))) return "problem detail leaks a stack";
  return undefined;
}

function successViolation(
  request: FuzzRequest,
  observed: Observed,
  context: OracleContext,
): string | undefined {
  const { route } = request;
  if (request.actor === "reporter") {
    if (context.foreignIds.some((id) => request.path.includes(id)))
      return "reporter got a 2xx for another reporter's resource";
    const leaked = context.foreignIds.find((id) => observed.text.includes(id) && !sent(request, id));
    if (leaked) return `reporter saw another reporter's resource ${leaked} in a 2xx body`;
  }
  if (context.secrets.some((value) => request.path.includes(value))) return "2xx for another user's session";
  const secret = context.secrets.find((value) => observed.text.includes(value) && !sent(request, value));
  if (secret) return `2xx body reveals ${secret}`;
  if (/passwordHash|password_hash|\$argon2/.test(observed.text)) return "2xx body reveals a password hash";
  const documented = route.documentSchemas.get(observed.status);
  const schema = route.responseSchemas.get(observed.status);
  if (!schema && !documented) return undefined;
  if (!observed.contentType.startsWith("application/json"))
    return `2xx content type ${observed.contentType}, expected application/json`;
  const body: unknown = JSON.parse(observed.text);
  if (documented) {
    const errors = context.validator.errors(documented, body);
    if (errors.length > 0) return `2xx body does not match the document: ${errors.slice(0, 4).join("; ")}`;
  }
  const parsed = schema?.safeParse(body);
  if (parsed && !parsed.success)
    return `2xx body does not match the route's zod schema: ${JSON.stringify(parsed.error.issues.slice(0, 3))}`;
  return undefined;
}

/** Whether the request itself carried the value (a text field echoing it back is no leak). */
function sent(request: FuzzRequest, value: string): boolean {
  const body = typeof request.body === "string" ? request.body : "";
  return `${request.path}${request.query}${body}`.includes(value);
}
