import type { OpenAPIHono } from "@hono/zod-openapi";
import { Scalar } from "@scalar/hono-api-reference";
import type { AppEnv } from "../../app-env.ts";
import { BEARER_SCHEME, withValidatorPatterns } from "../../lib/openapi.ts";

export const API_TITLE = "TixGenius API";
export const API_VERSION = "0.1.0";

/** Serves the OpenAPI 3.1 document generated from the routes, and a reference page over it. */
export function mountApiDocs(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerComponent("securitySchemes", BEARER_SCHEME, {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "An access token from POST /v1/auth/login or /v1/auth/refresh.",
  });
  const config = {
    openapi: "3.1.0",
    info: {
      title: API_TITLE,
      version: API_VERSION,
      description:
        "Ticket and task management for software teams. Errors are RFC 9457 application/problem+json. " +
        "A string anywhere (body, query, path, header) holding NUL or an unpaired surrogate is a 400 `unstorable_character`.",
      license: { name: "MIT" },
    },
    servers: [{ url: "/" }],
  };
  app.get("/openapi.json", (c) => c.json(withValidatorPatterns(app.getOpenAPI31Document(config))));
  app.get("/docs", Scalar({ url: "/openapi.json", pageTitle: `${API_TITLE} reference` }));
}
