import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env.ts";

// What a 304 must still carry (RFC 9110 §15.4.5), plus what clients correlate and throttle by.
const KEPT_ON_304 = ["etag", "cache-control", "vary", "x-request-id", "ratelimit", "ratelimit-policy"];

/**
 * Successful GETs are cacheable only by the caller (private; revalidated each time, so a write is
 * never hidden by a cache) and carry an ETag: the resource's version when the route set one, a
 * digest of the body otherwise. A matching If-None-Match gets 304 without a body.
 */
export function privateCaching() {
  return createMiddleware<AppEnv>(async function privateCaching(c, next) {
    await next();
    if (c.req.method !== "GET" || c.res.status !== 200) return;
    const headers = c.res.headers;
    // Only JSON documents are digested: a stream (text/event-stream) never ends to be hashed.
    if (!headers.get("Content-Type")?.includes("json")) return;
    headers.set("Cache-Control", "private, no-cache");
    headers.append("Vary", "Authorization");
    const etag = headers.get("ETag") ?? `W/"${await digestOf(c.res.clone())}"`;
    headers.set("ETag", etag);
    if (!matches(c.req.header("If-None-Match"), etag)) return;
    const kept = new Headers();
    for (const name of KEPT_ON_304) {
      const value = headers.get(name);
      if (value !== null) kept.set(name, value);
    }
    await c.res.body?.cancel();
    c.res = new Response(null, { status: 304, headers: kept });
  });
}

async function digestOf(response: Response): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await response.arrayBuffer());
  return [...new Uint8Array(digest).slice(0, 16)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Weak comparison (RFC 9110 §13.1.2): W/ prefixes do not matter for If-None-Match. */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === "*") return true;
  const opaque = etag.replace(/^W\//, "");
  return ifNoneMatch.split(",").some((candidate) => candidate.trim().replace(/^W\//, "") === opaque);
}
