import { cors } from "hono/cors";

// Content-Disposition: a frontend reads a download's file name from the API's transfer URLs.
const EXPOSED_HEADERS = [
  "X-Request-Id",
  "ETag",
  "Location",
  "RateLimit",
  "RateLimit-Policy",
  "Retry-After",
  "Content-Disposition",
];
const ALLOWED_HEADERS = [
  "Authorization",
  "Content-Type",
  "If-Match",
  "If-None-Match",
  "Idempotency-Key",
  "Last-Event-ID",
  "X-Request-Id",
];

/**
 * Only listed origins get CORS headers. `*` allows any origin but then without credentials,
 * because reflecting an arbitrary origin together with credentials would hand out the cookies.
 */
export function corsFromOrigins(origins: readonly string[]) {
  const anyOrigin = origins.includes("*");
  const listed = new Set(origins);
  return cors({
    origin: anyOrigin ? "*" : (origin) => (listed.has(origin) ? origin : null),
    credentials: !anyOrigin,
    allowMethods: ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
    allowHeaders: ALLOWED_HEADERS,
    exposeHeaders: EXPOSED_HEADERS,
    maxAge: 600,
  });
}
