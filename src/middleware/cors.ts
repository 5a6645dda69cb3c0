import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env.ts";

// Content-Disposition: a frontend reads a download's file name from the API's transfer URLs;
// Idempotent-Replayed tells it that a retried POST was answered from the first attempt.
const EXPOSED_HEADERS = [
  "X-Request-Id",
  "ETag",
  "Location",
  "RateLimit",
  "RateLimit-Policy",
  "Retry-After",
  "Content-Disposition",
  "Idempotent-Replayed",
].join(",");
const ALLOWED_HEADERS = [
  "Authorization",
  "Content-Type",
  "If-Match",
  "If-None-Match",
  "Idempotency-Key",
  "Last-Event-ID",
  "X-Request-Id",
].join(",");
const ALLOWED_METHODS = "GET,POST,PUT,PATCH,DELETE,OPTIONS";
const PREFLIGHT_MAX_AGE_SECONDS = "600";

/**
 * Only listed origins get CORS headers. `*` allows any origin but then without credentials,
 * because reflecting an arbitrary origin together with credentials would hand out the cookies.
 *
 * The headers Hono's `cors()` would set, written with `c.header()` before the route runs, so they
 * travel in the response the route builds. `cors()` sets them on `c.res` instead, which makes a
 * placeholder response that Hono then copies into the route's own (a second Response, its body
 * materialised and every header copied): 7 % of the CPU of a cached read (issue 15).
 */
export function corsFromOrigins(origins: readonly string[]) {
  const anyOrigin = origins.includes("*");
  const listed = new Set(origins);
  const allowedOrigin = (origin: string | undefined) =>
    anyOrigin ? "*" : origin !== undefined && listed.has(origin) ? origin : undefined;

  return createMiddleware<AppEnv>(async function cors(c, next) {
    const allowOrigin = allowedOrigin(c.req.header("Origin"));
    if (allowOrigin) c.header("Access-Control-Allow-Origin", allowOrigin);
    if (!anyOrigin) {
      c.header("Access-Control-Allow-Credentials", "true");
      // The answer depends on the Origin header, so shared caches must key on it.
      c.header("Vary", "Origin", { append: true });
    }
    c.header("Access-Control-Expose-Headers", EXPOSED_HEADERS);
    if (c.req.method === "OPTIONS") {
      c.header("Access-Control-Max-Age", PREFLIGHT_MAX_AGE_SECONDS);
      c.header("Access-Control-Allow-Methods", ALLOWED_METHODS);
      c.header("Access-Control-Allow-Headers", ALLOWED_HEADERS);
      c.header("Vary", "Access-Control-Request-Headers", { append: true });
      return c.body(null, 204);
    }
    await next();
  });
}
