import { Hono } from "hono";
import type { AppEnv } from "../../app-env.ts";
import { constantTimeEqual } from "../../lib/crypto.ts";
import { UnauthorizedError } from "../../lib/errors.ts";
import type { MetricsExposition } from "../../lib/metrics/prometheus-metrics.ts";

// RFC 9110 §11.1: the scheme name is case-insensitive.
const BEARER = /^bearer +(\S+)$/i;

/**
 * `GET /metrics` for a Prometheus scraper: internal, so it is not in the OpenAPI document, and
 * only mounted when a token is configured (without one it is a 404 like any unknown path).
 */
export function metricsRoutes(exposition: MetricsExposition, token: string) {
  if (!token) throw new Error("metricsRoutes: a token is required");
  return new Hono<AppEnv>().get("/metrics", function serveMetrics(c) {
    const presented = BEARER.exec(c.req.header("Authorization") ?? "")?.[1];
    if (presented === undefined || !constantTimeEqual(presented, token)) {
      throw new UnauthorizedError("A valid metrics token is required.");
    }
    return c.body(exposition.render(), 200, {
      "Content-Type": exposition.contentType,
      "Cache-Control": "no-store",
    });
  });
}
