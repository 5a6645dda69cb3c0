import type { Context, Hono } from "hono";
import { LinearRouter } from "hono/router/linear-router";
import type { AppEnv } from "../app-env.ts";
import { AppError, NotFoundError } from "../lib/errors.ts";
import { problemResponse } from "../lib/problem.ts";

/**
 * Unknown paths are 404; known paths with another method are 405 with `Allow`, which Hono does
 * not do by itself. The method table is built on first use, after every route is registered.
 */
export function handleNotFound(app: Hono<AppEnv>) {
  let methodsByPath: LinearRouter<string> | undefined;

  return function notFound(c: Context<AppEnv>): Response {
    methodsByPath ??= buildMethodTable(app);
    const [matches] = methodsByPath.match("GET", c.req.path);
    const allowed = new Set(matches.map(([method]) => method));
    if (allowed.size === 0) {
      return problemResponse(
        c,
        new NotFoundError(`No route matches ${c.req.method} ${c.req.path}.`, "route_not_found"),
      );
    }
    if (allowed.has("GET")) allowed.add("HEAD");
    allowed.add("OPTIONS");
    const allow = [...allowed].sort().join(", ");
    return problemResponse(
      c,
      new AppError({
        status: 405,
        code: "method_not_allowed",
        title: "Method not allowed",
        detail: `${c.req.method} is not allowed here; use one of ${allow}.`,
        headers: { Allow: allow },
      }),
    );
  };
}

function buildMethodTable(app: Hono<AppEnv>): LinearRouter<string> {
  const router = new LinearRouter<string>();
  const seen = new Set<string>();
  for (const route of app.routes) {
    // Middleware registrations carry the method "ALL"; only real endpoints define what is allowed.
    if (route.method === "ALL") continue;
    const key = `${route.method} ${route.path}`;
    if (seen.has(key)) continue;
    seen.add(key);
    router.add("ALL", route.path, route.method);
  }
  return router;
}
