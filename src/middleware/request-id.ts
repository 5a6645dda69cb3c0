import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env.ts";

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Honours a caller's X-Request-Id when it is safe to log and echo, otherwise mints one. */
export function requestId() {
  return createMiddleware<AppEnv>(async function requestId(c, next) {
    const offered = c.req.header("X-Request-Id");
    const id = offered && SANE_REQUEST_ID.test(offered) ? offered : crypto.randomUUID();
    c.set("requestId", id);
    c.header("X-Request-Id", id);
    await next();
  });
}
