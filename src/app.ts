import { OpenAPIHono } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import { secureHeaders } from "hono/secure-headers";
import type { AppEnv } from "./app-env.ts";
import type { DepsProvider } from "./deps.ts";
import { accountAuthRoutes } from "./features/account/auth-routes.ts";
import { invitationRoutes } from "./features/account/invitation-routes.ts";
import { accountMeRoutes } from "./features/account/me-routes.ts";
import { apiKeysRoutes } from "./features/api-keys/routes.ts";
import { assignmentsRoutes } from "./features/assignments/routes.ts";
import { attachmentsRoutes } from "./features/attachments/routes.ts";
import { TRANSFER_PATH } from "./features/attachments/signed-urls.ts";
import { transferRoutes } from "./features/attachments/transfer-routes.ts";
import { auditRoutes } from "./features/audit/routes.ts";
import { authRoutes } from "./features/auth/routes.ts";
import { categoriesRoutes } from "./features/categories/routes.ts";
import { commentsRoutes } from "./features/comments/routes.ts";
import { developersRoutes } from "./features/developers/routes.ts";
import { mountApiDocs } from "./features/docs/routes.ts";
import { eventsRoutes } from "./features/events/routes.ts";
import { meRoutes } from "./features/me/routes.ts";
import { notificationsRoutes } from "./features/notifications/routes.ts";
import { watchersRoutes } from "./features/notifications/watcher-routes.ts";
import { metricsRoutes } from "./features/system/metrics-route.ts";
import { systemRoutes } from "./features/system/routes.ts";
import { teamsRoutes } from "./features/teams/routes.ts";
import { ticketsRoutes } from "./features/tickets/routes.ts";
import { usersRoutes } from "./features/users/routes.ts";
import { webhooksRoutes } from "./features/webhooks/routes.ts";
import { validationHook } from "./lib/openapi.ts";
import { limitBodySize } from "./middleware/body-limit.ts";
import { corsFromOrigins } from "./middleware/cors.ts";
import { handleErrors } from "./middleware/error-handler.ts";
import { handleNotFound } from "./middleware/not-found.ts";
import { privateCaching } from "./middleware/private-caching.ts";
import { requestId } from "./middleware/request-id.ts";
import { requestLog } from "./middleware/request-log.ts";
import { requestMetrics } from "./middleware/request-metrics.ts";
import { requireUtf8Json } from "./middleware/utf8-json.ts";

/** Builds the whole HTTP API from its dependencies; each runtime's door supplies them. */
export function createApp(provider: DepsProvider) {
  const { config, logger } = provider;
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.use(requestId());
  app.use(
    createMiddleware<AppEnv>(async function provideDeps(c, next) {
      c.set("deps", provider.forRequest(c));
      c.set("auth", undefined);
      c.set("clientIp", provider.clientIp(c));
      await next();
    }),
  );
  app.use(requestMetrics());
  app.use(requestLog(logger));
  app.use(corsFromOrigins(config.CORS_ORIGINS));
  app.use(secureHeaders());
  // File uploads stream to the object store, bounded by their own signed size, never buffered.
  const streamed = (path: string) => path.startsWith(`${TRANSFER_PATH}/`);
  app.use(unless(streamed, limitBodySize(config.MAX_BODY_BYTES)));
  app.use(unless(streamed, requireUtf8Json()));
  app.use("/v1/*", privateCaching());

  const routes = app
    .route("/", systemRoutes)
    .route("/v1/auth", authRoutes)
    .route("/v1/auth", accountAuthRoutes)
    .route("/v1/me", meRoutes)
    .route("/v1/me", accountMeRoutes)
    .route("/v1/invitations", invitationRoutes)
    .route("/v1/users", usersRoutes)
    .route("/v1/teams", teamsRoutes)
    .route("/v1/categories", categoriesRoutes)
    .route("/v1/developers", developersRoutes)
    .route("/v1/tickets", ticketsRoutes)
    .route("/v1/tickets", commentsRoutes)
    .route("/v1/tickets", assignmentsRoutes)
    .route("/v1/tickets", watchersRoutes)
    .route("/v1/tickets", attachmentsRoutes)
    .route("/v1/audit-log", auditRoutes)
    .route("/v1/events", eventsRoutes)
    .route("/v1/api-keys", apiKeysRoutes)
    .route("/v1/notifications", notificationsRoutes)
    .route("/v1/webhooks", webhooksRoutes);
  mountApiDocs(app, provider.apiReferenceScript);
  // Outside the OpenAPI document and the typed client: see src/features/attachments/transfer-routes.ts.
  app.route(TRANSFER_PATH, transferRoutes);
  // Internal: outside the OpenAPI document and the typed client, and absent without a token.
  if (provider.metricsExposition && config.METRICS_TOKEN) {
    app.route("/", metricsRoutes(provider.metricsExposition, config.METRICS_TOKEN));
  }

  app.onError(handleErrors(logger, config.MAX_BODY_BYTES));
  app.notFound(handleNotFound(app));
  return routes;
}

/** Runs `middleware` for every request but those whose path `skip` picks. */
function unless(
  skip: (path: string) => boolean,
  middleware: MiddlewareHandler<AppEnv>,
): MiddlewareHandler<AppEnv> {
  return async function unlessSkipped(c, next) {
    if (skip(c.req.path)) return next();
    return middleware(c, next);
  };
}

/** The app's type, for a typed client: `hc<AppType>(baseUrl)` from `hono/client`. */
export type AppType = ReturnType<typeof createApp>;
