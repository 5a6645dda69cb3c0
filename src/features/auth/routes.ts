import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../app-env.ts";
import { actorOf } from "../../lib/actor.ts";
import {
  BEARER_AUTH,
  IdempotencyKey,
  jsonBody,
  jsonContent,
  problemResponses,
  validationHook,
} from "../../lib/openapi.ts";
import { authenticate, authOf } from "../../middleware/authenticate.ts";
import { idempotent } from "../../middleware/idempotency.ts";
import { rateLimit } from "../../middleware/rate-limit.ts";
import { requestOriginOf } from "../audit/origin.ts";
import { User } from "../users/schemas.ts";
import { limitLoginFailures } from "./login-throttle.ts";
import { clearRefreshCookie, readRefreshCookie, setRefreshCookie } from "./refresh-cookie.ts";
import { refreshLimitKey } from "./refresh-limit.ts";
import {
  ChangePassword,
  Login,
  RefreshRequest,
  Register,
  SessionList,
  SessionRef,
  TokenPair,
} from "./schemas.ts";
import * as auth from "./service.ts";

const tags = ["Auth"];
const register = createRoute({
  method: "post",
  path: "/register",
  tags,
  summary: "Create a reporter account",
  middleware: [rateLimit("register", { by: "ip", failClosed: true }), idempotent()],
  request: { headers: IdempotencyKey, body: jsonBody(Register) },
  responses: {
    201: jsonContent(User, "The new account"),
    ...problemResponses(400, 403, 409, 413, 415, 422, 429, 503),
  },
});

const login = createRoute({
  method: "post",
  path: "/login",
  tags,
  summary: "Exchange email and password for an access token and a refresh token",
  middleware: [rateLimit("anonymous", { by: "ip", failClosed: true }), limitLoginFailures()],
  request: { body: jsonBody(Login) },
  responses: { 200: jsonContent(TokenPair, "Signed in"), ...problemResponses(400, 401, 413, 415, 429, 503) },
});

const refresh = createRoute({
  method: "post",
  path: "/refresh",
  tags,
  summary: "Rotate the refresh token (body or cookie) for a new token pair",
  description:
    "Single use: presenting an already used refresh token ends its whole session, except the token rotated within the last REFRESH_REUSE_GRACE_SECONDS (another tab refreshing at once), which gets the same new token.",
  middleware: [rateLimit("refresh", { by: refreshLimitKey, failClosed: true })],
  request: { body: { ...jsonBody(RefreshRequest), required: false } },
  responses: {
    200: jsonContent(TokenPair, "A new token pair"),
    ...problemResponses(400, 401, 413, 415, 429, 503),
  },
});

const logout = createRoute({
  method: "post",
  path: "/logout",
  tags,
  security: BEARER_AUTH,
  summary: "End the current session; its access token stops working at once",
  middleware: [
    authenticate({ allowUnfinishedAccount: true }),
    rateLimit("write", { by: "user", failClosed: true }),
  ],
  responses: { 204: { description: "Signed out" }, ...problemResponses(401, 429, 503) },
});

const logoutAll = createRoute({
  method: "post",
  path: "/logout-all",
  tags,
  security: BEARER_AUTH,
  summary: "End every session of the current user",
  middleware: [
    authenticate({ allowUnfinishedAccount: true }),
    rateLimit("write", { by: "user", failClosed: true }),
  ],
  responses: { 204: { description: "Signed out everywhere" }, ...problemResponses(401, 429, 503) },
});

const listSessions = createRoute({
  method: "get",
  path: "/sessions",
  tags,
  security: BEARER_AUTH,
  summary: "The current user's sessions",
  middleware: [authenticate(), rateLimit("read", { by: "user" })],
  responses: {
    200: jsonContent(SessionList, "Sessions, most recently used first"),
    ...problemResponses(401, 403, 429, 503),
  },
});

const revokeSession = createRoute({
  method: "delete",
  path: "/sessions/{id}",
  tags,
  security: BEARER_AUTH,
  summary: "End one of the current user's sessions",
  middleware: [authenticate(), rateLimit("write", { by: "user", failClosed: true })],
  request: { params: SessionRef },
  responses: { 204: { description: "Session ended" }, ...problemResponses(400, 401, 403, 404, 429, 503) },
});

const changePassword = createRoute({
  method: "post",
  path: "/password",
  tags,
  security: BEARER_AUTH,
  summary: "Change the password; every other session ends",
  description:
    "Also the way out of `password_change_required` (403 on every other route after an admin set the password).",
  middleware: [
    authenticate({ allowUnfinishedAccount: true }),
    rateLimit("write", { by: "user", failClosed: true }),
  ],
  request: { body: jsonBody(ChangePassword) },
  responses: {
    204: { description: "Password changed" },
    ...problemResponses(400, 401, 403, 413, 415, 429, 503),
  },
});

export const authRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(register, async (c) => {
    const user = await auth.registerReporter(c.var.deps, c.req.valid("json"), requestOriginOf(c));
    return c.json(user, 201);
  })
  .openapi(login, async (c) => {
    const meta = { userAgent: c.req.header("User-Agent") ?? "", ip: c.var.clientIp };
    const pair = await auth.login(c.var.deps, c.req.valid("json"), meta, readRefreshCookie(c));
    setRefreshCookie(c, c.var.deps.config, pair.refreshToken);
    c.header("Cache-Control", "no-store");
    return c.json(pair, 200);
  })
  .openapi(refresh, async (c) => {
    const presented = c.req.valid("json").refreshToken ?? readRefreshCookie(c);
    const pair = await auth.refresh(c.var.deps, presented).catch((error: unknown) => {
      clearRefreshCookie(c);
      throw error;
    });
    setRefreshCookie(c, c.var.deps.config, pair.refreshToken);
    c.header("Cache-Control", "no-store");
    return c.json(pair, 200);
  })
  .openapi(logout, async (c) => {
    await auth.logout(c.var.deps, authOf(c));
    clearRefreshCookie(c);
    return c.body(null, 204);
  })
  .openapi(logoutAll, async (c) => {
    await auth.logoutEverywhere(c.var.deps, authOf(c));
    clearRefreshCookie(c);
    return c.body(null, 204);
  })
  .openapi(listSessions, async (c) => {
    const data = await auth.listMySessions(c.var.deps, authOf(c));
    return c.json({ data, nextCursor: null }, 200);
  })
  .openapi(revokeSession, async (c) => {
    await auth.revokeMySession(c.var.deps, authOf(c), c.req.valid("param").id);
    return c.body(null, 204);
  })
  .openapi(changePassword, async (c) => {
    await auth.changePassword(c.var.deps, actorOf(c), c.req.valid("json"));
    return c.body(null, 204);
  });
