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
    // Only JSON documents are digested: a stream (text/event-stream) never ends to be hashed.
    if (!c.res.headers.get("Content-Type")?.includes("json")) return;
    let etag = c.res.headers.get("ETag");
    if (etag === null) {
      const read = c.res;
      const body = await read.text();
      c.res = undefined; // replace rather than merge: the new response carries every header already
      c.res = new Response(body, read);
      etag = weakEtagOf(body);
    }
    const headers = c.res.headers;
    headers.set("Cache-Control", "private, no-cache");
    headers.append("Vary", "Authorization");
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

/**
 * Length and a 53-bit hash (cyrb53) of the body. A validator only has to tell one client's
 * representations apart, not resist forgery; reading the text once and hashing it synchronously
 * costs half the CPU of cloning the response and digesting it with WebCrypto (~80 µs against
 * ~125–160 µs for a 24 KB page of 50 tickets, measured on Node).
 */
export function weakEtagOf(body: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < body.length; i++) {
    const code = body.charCodeAt(i);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  const hash = 4294967296 * (2097151 & h2) + (h1 >>> 0);
  return `W/"${body.length.toString(16)}-${hash.toString(16)}"`;
}

/** Weak comparison (RFC 9110 §13.1.2): W/ prefixes do not matter for If-None-Match. */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === "*") return true;
  const opaque = etag.replace(/^W\//, "");
  return ifNoneMatch.split(",").some((candidate) => candidate.trim().replace(/^W\//, "") === opaque);
}
