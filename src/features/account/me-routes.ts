import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../app-env.ts";
import { actorOf } from "../../lib/actor.ts";
import {
  BEARER_AUTH,
  IdempotencyKey,
  jsonBody,
  problemResponses,
  validationHook,
} from "../../lib/openapi.ts";
import { authenticate, authOf } from "../../middleware/authenticate.ts";
import { idempotent } from "../../middleware/idempotency.ts";
import { rateLimit } from "../../middleware/rate-limit.ts";
import { requestEmailChange } from "./email-change.ts";
import { resendEmailVerification } from "./email-verification.ts";
import { EmailChangeRequest } from "./schemas.ts";

const tags = ["Account"];

const resendVerification = createRoute({
  method: "post",
  path: "/email-verification",
  tags,
  security: BEARER_AUTH,
  summary: "Mail a new verification link to the signed-in user's address",
  description:
    "Works while `email_verification_required` blocks other routes. 409 `email_verified` when the address is verified already. Works with every EMAIL_VERIFICATION mode (with `off` nobody is asked, but a person may still verify). Limited per user (RATE_LIMIT_MAIL_PER_ADDRESS).",
  middleware: [
    authenticate({ allowUnfinishedAccount: true }),
    rateLimit("mailPerAddress", { by: (c) => `verify:${authOf(c).userId}`, failClosed: true }),
    idempotent(),
  ],
  request: { headers: IdempotencyKey },
  responses: {
    202: { description: "A new link is on its way" },
    ...problemResponses(400, 401, 409, 422, 429, 503),
  },
});

const requestEmailChangeRoute = createRoute({
  method: "post",
  path: "/email",
  tags,
  security: BEARER_AUTH,
  summary: "Change the signed-in user's address: confirmed from the new one, the old one told",
  description:
    "Asks for the current password. Nothing changes until the link mailed to the new address is used (24 hours); the old address gets a notice with a link that cancels the change. Sessions survive unless `signOutEverywhere` is true (then every session ends at the confirmation).",
  middleware: [
    authenticate(),
    rateLimit("mailPerAddress", { by: (c) => `email-change:${authOf(c).userId}`, failClosed: true }),
    idempotent(),
  ],
  request: { headers: IdempotencyKey, body: jsonBody(EmailChangeRequest) },
  responses: {
    202: { description: "Confirmation mailed to the new address" },
    ...problemResponses(400, 401, 403, 409, 413, 415, 422, 429, 503),
  },
});

export const accountMeRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(resendVerification, async (c) => {
    await resendEmailVerification(c.var.deps, actorOf(c));
    return c.body(null, 202);
  })
  .openapi(requestEmailChangeRoute, async (c) => {
    await requestEmailChange(c.var.deps, actorOf(c), c.req.valid("json"));
    return c.body(null, 202);
  });
