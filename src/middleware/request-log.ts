import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env.ts";
import type { Logger } from "../lib/logger.ts";

/**
 * One line per request. It logs the route pattern and the path without its query string, because
 * query strings may carry single-use tokens; headers and bodies are never logged.
 */
export function requestLog(logger: Logger) {
  return createMiddleware<AppEnv>(async function requestLog(c, next) {
    const startedAt = performance.now();
    await next();
    const status = c.res.status;
    const fields = {
      requestId: c.get("requestId"),
      method: c.req.method,
      route: c.req.routePath,
      path: c.req.path,
      status,
      durationMs: Math.round((performance.now() - startedAt) * 100) / 100,
      userId: c.get("auth")?.userId,
      // Which key acted, never the key itself: the id is what an admin revokes.
      apiKeyId: c.get("auth")?.apiKey?.id,
    };
    if (status >= 500) logger.error("request", fields);
    else logger.info("request", fields);
  });
}
