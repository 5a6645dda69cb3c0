import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../app-env.ts";
import {
  IdempotencyKey,
  jsonBody,
  jsonContent,
  problemResponses,
  validationHook,
} from "../../lib/openapi.ts";
import { idempotent } from "../../middleware/idempotency.ts";
import { rateLimit } from "../../middleware/rate-limit.ts";
import { requestOriginOf } from "../audit/origin.ts";
import { User } from "../users/schemas.ts";
import { cancelEmailChange, confirmEmailChange } from "./email-change.ts";
import { verifyEmail } from "./email-verification.ts";
import { requestPasswordReset, resetPassword } from "./password-reset.ts";
import { EmailToken, PasswordResetConfirm, PasswordResetRequest } from "./schemas.ts";

const tags = ["Account"];
const INVALID_TOKEN_NOTE =
  "An unknown, expired or used token answers 400 naming `token`, the same for every case.";

const requestReset = createRoute({
  method: "post",
  path: "/password-reset",
  tags,
  summary: "Mail a password reset link, if the address has an account",
  description:
    "Always 202 with an empty body, at once: whether the address has an account is decided after the answer, so neither the answer nor its timing tells. The link is valid 30 minutes, once. Limited per IP (RATE_LIMIT_PASSWORD_RESET) and, silently, per address (RATE_LIMIT_MAIL_PER_ADDRESS).",
  middleware: [rateLimit("passwordReset", { by: "ip", failClosed: true }), idempotent()],
  request: { headers: IdempotencyKey, body: jsonBody(PasswordResetRequest) },
  responses: { 202: { description: "Accepted" }, ...problemResponses(400, 409, 413, 415, 422, 429, 503) },
});

const confirmReset = createRoute({
  method: "post",
  path: "/password-reset/confirm",
  tags,
  summary: "Set a new password with the token of a reset link; every session ends",
  description: `The password policy of every password applies. ${INVALID_TOKEN_NOTE}`,
  middleware: [rateLimit("anonymous", { by: "ip", failClosed: true })],
  request: { body: jsonBody(PasswordResetConfirm) },
  responses: { 204: { description: "Password changed" }, ...problemResponses(400, 413, 415, 429, 503) },
});

const confirmVerification = createRoute({
  method: "post",
  path: "/email-verification/confirm",
  tags,
  summary: "Verify the account's address with the token of the mailed link",
  description: INVALID_TOKEN_NOTE,
  middleware: [rateLimit("anonymous", { by: "ip", failClosed: true })],
  request: { body: jsonBody(EmailToken) },
  responses: { 204: { description: "Address verified" }, ...problemResponses(400, 413, 415, 429, 503) },
});

const confirmEmailChangeRoute = createRoute({
  method: "post",
  path: "/email-change/confirm",
  tags,
  summary: "Complete an email change with the token mailed to the new address",
  description: `The old address is told. Sessions end only if the request asked for it (signOutEverywhere). ${INVALID_TOKEN_NOTE}`,
  middleware: [rateLimit("anonymous", { by: "ip", failClosed: true })],
  request: { body: jsonBody(EmailToken) },
  responses: {
    200: jsonContent(User, "The user with the new address"),
    ...problemResponses(400, 404, 409, 413, 415, 429, 503),
  },
});

const cancelEmailChangeRoute = createRoute({
  method: "post",
  path: "/email-change/cancel",
  tags,
  summary: "Cancel a pending email change with the token mailed to the old address",
  description: INVALID_TOKEN_NOTE,
  middleware: [rateLimit("anonymous", { by: "ip", failClosed: true })],
  request: { body: jsonBody(EmailToken) },
  responses: { 204: { description: "Change cancelled" }, ...problemResponses(400, 413, 415, 429, 503) },
});

/** Account routes under /v1/auth that a mailed link leads to: no session, the token proves. */
export const accountAuthRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(requestReset, async (c) => {
    const deps = c.var.deps;
    const origin = requestOriginOf(c);
    deps.waitUntil(
      requestPasswordReset(deps, c.req.valid("json").email, origin).catch((error: unknown) =>
        deps.logger.error("password reset request failed", { error, requestId: origin.requestId }),
      ),
    );
    return c.body(null, 202);
  })
  .openapi(confirmReset, async (c) => {
    await resetPassword(c.var.deps, c.req.valid("json"), requestOriginOf(c));
    return c.body(null, 204);
  })
  .openapi(confirmVerification, async (c) => {
    await verifyEmail(c.var.deps, c.req.valid("json").token, requestOriginOf(c));
    return c.body(null, 204);
  })
  .openapi(confirmEmailChangeRoute, async (c) => {
    const user = await confirmEmailChange(c.var.deps, c.req.valid("json").token, requestOriginOf(c));
    return c.json(user, 200);
  })
  .openapi(cancelEmailChangeRoute, async (c) => {
    await cancelEmailChange(c.var.deps, c.req.valid("json").token, requestOriginOf(c));
    return c.body(null, 204);
  });
