import { causesOf, codeOf, SOCKET_ERRNOS } from "./database-errors.ts";

/** Socket errnos, and undici's own codes for a socket the fetch API could not open or keep. */
const NETWORK_CODES = new Set<string>([...SOCKET_ERRNOS, "UND_ERR_SOCKET", "UND_ERR_CONNECT_TIMEOUT"]);

/**
 * What the REST clients say when no answer came: fetch's and workerd's network failures, the Node
 * requester's deadline, and the Upstash gateway's own 503 ("ERR Redis is unreachable").
 */
const UNAVAILABLE_MESSAGES = [
  /^fetch failed$/i,
  /network connection lost/i,
  /timed out/i,
  /Redis is unreachable/,
];

/**
 * Whether an error of the Upstash REST client means Redis (or the REST endpoint in front of it) is
 * out of reach, so the request gets a 503 to retry. A command Redis refused (WRONGTYPE, a script
 * error) is a bug and stays a 500. A non-JSON answer is an error page of something in between.
 */
export function isRedisUnavailableError(error: unknown): boolean {
  const causes = causesOf(error);
  // A refused socket looks the same from either client; postgres.js and Drizzle attach the statement.
  if (causes.some((cause) => typeof cause === "object" && cause !== null && "query" in cause)) return false;
  return causes.some((cause) => {
    if (!(cause instanceof Error)) return false;
    if (cause.name === "TimeoutError" || cause.name === "AbortError") return true;
    if (cause.name === "UpstashJSONParseError") return true;
    const code = codeOf(cause);
    if (code && NETWORK_CODES.has(code)) return true;
    return UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(cause.message));
  });
}
