import type { OpenAPIHono } from "@hono/zod-openapi";
import { Scalar } from "@scalar/hono-api-reference";
import type { AppEnv } from "../../app-env.ts";
import type { ApiReferenceScript } from "../../deps.ts";
import { NotFoundError } from "../../lib/errors.ts";
import { BEARER_SCHEME, withValidatorPatterns } from "../../lib/openapi.ts";
import { API_KEY_SCHEME } from "../api-keys/scopes.ts";

export const API_TITLE = "TixGenius API";
export const API_VERSION = "0.1.0";
/** Same origin as the page: /docs must render with no request leaving for a CDN. */
export const API_REFERENCE_SCRIPT_PATH = "/docs/assets/api-reference.js";

/**
 * Scalar's page runs one inline script (allowed by its nonce) and the bundle; the bundle adds
 * inline styles as it renders, and the reference calls only this origin ("try it").
 */
function docsPolicy(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'self' 'nonce-${nonce}'`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

function freshNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}

/** Serves the OpenAPI 3.1 document generated from the routes, and a reference page over it. */
export function mountApiDocs(app: OpenAPIHono<AppEnv>, script: ApiReferenceScript | undefined): void {
  app.openAPIRegistry.registerComponent("securitySchemes", BEARER_SCHEME, {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "An access token from POST /v1/auth/login or /v1/auth/refresh.",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", API_KEY_SCHEME, {
    type: "http",
    scheme: "bearer",
    bearerFormat: "tix_ API key",
    description:
      "An API key from POST /v1/api-keys, sent as `Authorization: Bearer tix_…`. A route that accepts keys lists " +
      "the scope it needs in this requirement; a route without it refuses keys (403 `api_key_not_allowed`), and " +
      "a key without the scope gets 403 `scope_forbidden`.",
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
  // Built on first request, when every route is registered; the routes never change afterwards.
  let document: ReturnType<typeof withValidatorPatterns> | undefined;
  app.get("/openapi.json", (c) => {
    document ??= withValidatorPatterns(app.getOpenAPI31Document(config));
    return c.json(document);
  });
  app.get("/docs", (c, next) => {
    const nonce = freshNonce();
    c.header("Content-Security-Policy", docsPolicy(nonce));
    const page = Scalar<AppEnv>({
      url: "/openapi.json",
      pageTitle: `${API_TITLE} reference`,
      cdn: API_REFERENCE_SCRIPT_PATH,
      nonce,
      withDefaultFonts: false,
    });
    return page(c, next);
  });
  app.get(API_REFERENCE_SCRIPT_PATH, async () => {
    if (!script) throw new NotFoundError();
    return script();
  });
}
