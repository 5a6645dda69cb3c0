import { createRoute, z } from "@hono/zod-openapi";
import { jsonBody, jsonContent, problemResponses } from "../../src/lib/openapi.ts";
import type { TestContext } from "./test-context.ts";

const Echo = z.object({ name: z.string().min(1), count: z.number().int().min(0) });

/**
 * Routes that exercise the shared request machinery (JSON bodies, query validation, crashes)
 * before feature routes exist; they are mounted on a test app only.
 */
export function mountProbeRoutes(app: TestContext["app"]) {
  return app
    .openapi(
      createRoute({
        method: "post",
        path: "/__probe/echo",
        request: { body: jsonBody(Echo), query: z.object({ flag: z.enum(["on", "off"]).optional() }) },
        responses: { 200: jsonContent(Echo, "Echo"), ...problemResponses(400, 413, 415) },
      }),
      (c) => c.json(c.req.valid("json"), 200),
    )
    .openapi(
      createRoute({ method: "get", path: "/__probe/crash", responses: { ...problemResponses(500) } }),
      () => {
        throw new Error("database password is hunter2 at db.internal:5432");
      },
    );
}
