import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../app-env.ts";
import { jsonContent, problemResponses, validationHook } from "../../lib/openapi.ts";
import { checkReadiness } from "./readiness.ts";
import { Health, Readiness } from "./schemas.ts";

const health = createRoute({
  method: "get",
  path: "/health",
  tags: ["System"],
  summary: "Liveness: the process answers; no dependency is touched",
  responses: { 200: jsonContent(Health, "The process is alive") },
});

const ready = createRoute({
  method: "get",
  path: "/ready",
  tags: ["System"],
  summary: "Readiness: PostgreSQL and Redis answer within the readiness timeout",
  responses: {
    200: jsonContent(Readiness, "Every dependency is up"),
    503: jsonContent(Readiness, "At least one dependency is down"),
    ...problemResponses(500),
  },
});

export const systemRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(health, (c) => {
    c.header("Cache-Control", "no-store");
    return c.json({ status: "ok" as const }, 200);
  })
  .openapi(ready, async (c) => {
    const readiness = await checkReadiness(c.var.deps);
    c.header("Cache-Control", "no-store");
    return c.json(readiness, readiness.status === "ok" ? 200 : 503);
  });
