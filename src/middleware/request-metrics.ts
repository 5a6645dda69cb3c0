import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env.ts";
import { methodLabel } from "../lib/metrics/metrics.ts";

/**
 * Reports every request once its response is ready: method, route template (`c.req.routePath`,
 * never the raw path, so series stay bounded), status and duration. Requests no route matched carry
 * the pattern of the last middleware they passed (`/*`, `/v1/*`). On the hot path: two clock reads
 * and one call, nothing else.
 */
export function requestMetrics() {
  return createMiddleware<AppEnv>(async function requestMetrics(c, next) {
    const startedAt = performance.now();
    await next();
    c.var.deps.metrics.httpRequest(
      methodLabel(c.req.method),
      c.req.routePath,
      c.res.status,
      (performance.now() - startedAt) / 1000,
    );
  });
}
