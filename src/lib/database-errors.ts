/**
 * Classifies errors thrown by the database clients (postgres.js, PGlite, each possibly wrapped by
 * Drizzle as `cause`), so that the error handler can answer what the client can act on: a lost
 * database is a 503 to retry, text PostgreSQL cannot store is the caller's 400, anything else
 * stays an internal error.
 */

/** Node socket errnos of a peer that refuses, drops or cannot be reached (any client). */
export const SOCKET_ERRNOS = [
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
] as const;

/** postgres.js's own codes, socket errnos, and SQLSTATEs that mean "no usable connection". */
const CONNECTION_CODES = new Set<string>([
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  ...SOCKET_ERRNOS,
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now (starting up, shutting down)
  "53300", // too_many_connections
]);

/** workerd sockets and PGlite report a dead connection only in the message. */
const CONNECTION_MESSAGES = [
  /network connection lost/i,
  /PGlite is closed/i,
  /socket (has been )?closed/i,
  // workerd's connect() to an address that refuses
  /cannot connect to the specified address/i,
];

/**
 * 22021: a NUL character or an invalid byte sequence in text; 22P05: `\u0000` in jsonb; 22P02
 * with a surrogate detail: a lone surrogate (`\ud800`) that JSON.stringify escapes into a jsonb
 * value (audit rows). All are values PostgreSQL cannot hold: the request is at fault.
 */
const UNSTORABLE_TEXT_CODES = new Set(["22021", "22P05"]);

export function isDatabaseConnectionError(error: unknown): boolean {
  return causesOf(error).some((cause) => {
    const code = codeOf(cause);
    if (code && (CONNECTION_CODES.has(code) || code.startsWith("08"))) return true;
    return cause instanceof Error && CONNECTION_MESSAGES.some((pattern) => pattern.test(cause.message));
  });
}

/**
 * 57014 query_canceled: `statement_timeout` (DATABASE_STATEMENT_TIMEOUT_MS) cancelled a statement
 * that ran or waited for a lock too long. The transaction rolled back; a retry may succeed.
 */
export function isDatabaseTimeoutError(error: unknown): boolean {
  return causesOf(error).some((cause) => codeOf(cause) === "57014");
}

export function isUnstorableTextError(error: unknown): boolean {
  return causesOf(error).some((cause) => {
    const code = codeOf(cause) ?? "";
    if (UNSTORABLE_TEXT_CODES.has(code)) return true;
    const detail = (cause as { detail?: unknown }).detail;
    return code === "22P02" && typeof detail === "string" && /surrogate/i.test(detail);
  });
}

export function codeOf(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const { code, errno } = error as { code?: unknown; errno?: unknown };
  if (typeof code === "string") return code;
  return typeof errno === "string" ? errno : undefined;
}

/** The error and its `cause` chain (Drizzle wraps driver errors in DrizzleQueryError). */
export function causesOf(error: unknown): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = error;
  while (current !== undefined && current !== null && chain.length < 5 && !chain.includes(current)) {
    chain.push(current);
    current = (current as { cause?: unknown }).cause;
  }
  return chain;
}
