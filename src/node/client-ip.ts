import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context } from "hono";

/**
 * The caller's address on Node: the socket's peer, or, behind one trusted reverse proxy
 * (TRUST_PROXY=true), the right-most X-Forwarded-For entry, the only one that proxy vouches for.
 */
export function nodeClientIp(trustProxy: boolean) {
  return function clientIp(c: Context): string {
    if (trustProxy) {
      const forwarded = c.req.header("X-Forwarded-For")?.split(",").at(-1)?.trim();
      if (forwarded) return forwarded;
    }
    try {
      return getConnInfo(c).remote.address ?? "unknown";
    } catch {
      // app.request() in tests has no socket.
      return "unknown";
    }
  };
}
