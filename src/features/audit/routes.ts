import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../app-env.ts";
import { jsonContent, problemResponses, validationHook } from "../../lib/openapi.ts";
import { authenticate } from "../../middleware/authenticate.ts";
import { rateLimit } from "../../middleware/rate-limit.ts";
import { requireRole } from "../../middleware/require-role.ts";
import { bearerOrApiKey } from "../api-keys/scopes.ts";
import { AuditLogPage, AuditLogQuery } from "./schemas.ts";
import { listAuditLog } from "./service.ts";

const list = createRoute({
  method: "get",
  path: "/",
  tags: ["Audit log"],
  security: bearerOrApiKey("audit:read"),
  summary: "The audit log, newest first",
  description:
    "Append-only record of every mutation: who (actor id and role), what (action, entity), the changed " +
    "fields before and after, and from where (request id, IP, user agent). Filters combine with AND; " +
    "`from`/`to` are inclusive RFC 3339 date-times (years 0001–9999); `entityId` needs `entityType`.",
  middleware: [
    authenticate({ scope: "audit:read" }),
    rateLimit("read", { by: "user" }),
    requireRole("admin"),
  ],
  request: { query: AuditLogQuery },
  responses: {
    200: jsonContent(AuditLogPage, "A page of audit entries"),
    ...problemResponses(400, 401, 403, 429, 503),
  },
});

export const auditRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(list, async (c) =>
  c.json(await listAuditLog(c.var.deps, c.req.valid("query")), 200),
);
