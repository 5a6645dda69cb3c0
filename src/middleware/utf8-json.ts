import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env.ts";

const JSON_MEDIA_TYPE = /^application\/([a-z0-9.-]+\+)?json\s*(;|$)/i;

/**
 * JSON must be UTF-8 (RFC 8259 §8.1), but `Request.json()` decodes leniently and would store
 * U+FFFD for every malformed byte, silently corrupting what the client sent. A body that is not
 * UTF-8 is therefore parsed as a JSON syntax error: routes that read a JSON body answer their
 * usual 400 `malformed_json`, and routes that ignore the body are unaffected. Reads a clone
 * (after the body limit), so the body itself stays readable downstream.
 */
export function requireUtf8Json() {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  return createMiddleware<AppEnv>(async function requireUtf8Json(c, next) {
    // The header first: on Node, asking for the body builds a full Request (5 % of a cached read).
    if (!JSON_MEDIA_TYPE.test(c.req.header("Content-Type") ?? "") || !c.req.raw.body) return next();
    try {
      decoder.decode(await c.req.raw.clone().arrayBuffer());
    } catch {
      const malformed = Promise.reject(new SyntaxError("The request body is not valid UTF-8."));
      malformed.catch(() => {});
      c.req.bodyCache.json = malformed;
    }
    await next();
  });
}
