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
import { authenticate } from "../../middleware/authenticate.ts";
import { idempotent } from "../../middleware/idempotency.ts";
import { rateLimit } from "../../middleware/rate-limit.ts";
import { requireRole } from "../../middleware/require-role.ts";
import { requestOriginOf } from "../audit/origin.ts";
import { setRefreshCookie } from "../auth/refresh-cookie.ts";
import { TokenPair } from "../auth/schemas.ts";
import { acceptInvitation } from "./accept-invitation.ts";
import {
  createInvitation,
  getInvitation,
  listInvitations,
  resendInvitation,
  revokeInvitation,
} from "./invitations.ts";
import {
  AcceptInvitation,
  CreateInvitation,
  Invitation,
  InvitationList,
  InvitationListQuery,
  InvitationRef,
} from "./schemas.ts";

const tags = ["Invitations"];

const create = createRoute({
  method: "post",
  path: "/",
  tags,
  security: BEARER_AUTH,
  summary: "Invite someone by email with a role and teams",
  description:
    "Admins invite to any role and team; a manager invites developers and reporters into teams they lead (at least one). The link is valid INVITATION_TTL_HOURS. 409 `email_taken` for an existing account, `invitation_pending` when one is already open (resend it). 422 names `teamIds` when a team does not exist.",
  middleware: [
    authenticate(),
    rateLimit("write", { by: "user" }),
    requireRole("admin", "manager"),
    idempotent(),
  ],
  request: { headers: IdempotencyKey, body: jsonBody(CreateInvitation) },
  responses: {
    201: jsonContent(Invitation, "The invitation (its link is mailed, never returned)"),
    ...problemResponses(400, 401, 403, 409, 413, 415, 422, 429, 503),
  },
});

const list = createRoute({
  method: "get",
  path: "/",
  tags,
  security: BEARER_AUTH,
  summary: "Invitations, newest first (a manager sees the ones they sent)",
  middleware: [authenticate(), rateLimit("read", { by: "user" }), requireRole("admin", "manager")],
  request: { query: InvitationListQuery },
  responses: {
    200: jsonContent(InvitationList, "A page of invitations"),
    ...problemResponses(400, 401, 403, 429, 503),
  },
});

const getOne = createRoute({
  method: "get",
  path: "/{id}",
  tags,
  security: BEARER_AUTH,
  summary: "One invitation (a manager reads the ones they sent)",
  middleware: [authenticate(), rateLimit("read", { by: "user" }), requireRole("admin", "manager")],
  request: { params: InvitationRef },
  responses: {
    200: jsonContent(Invitation, "The invitation"),
    ...problemResponses(400, 401, 403, 404, 429, 503),
  },
});

const revoke = createRoute({
  method: "delete",
  path: "/{id}",
  tags,
  security: BEARER_AUTH,
  summary: "Revoke an open invitation: its link stops working",
  middleware: [authenticate(), rateLimit("write", { by: "user" }), requireRole("admin", "manager")],
  request: { params: InvitationRef },
  responses: { 204: { description: "Revoked" }, ...problemResponses(400, 401, 403, 404, 409, 429, 503) },
});

const resend = createRoute({
  method: "post",
  path: "/{id}/resend",
  tags,
  security: BEARER_AUTH,
  summary: "Mail an open invitation again with a new link and a new expiry",
  description: "The previous link stops working.",
  middleware: [
    authenticate(),
    rateLimit("write", { by: "user" }),
    requireRole("admin", "manager"),
    idempotent(),
  ],
  request: { headers: IdempotencyKey, params: InvitationRef },
  responses: {
    200: jsonContent(Invitation, "The invitation"),
    ...problemResponses(400, 401, 403, 404, 409, 422, 429, 503),
  },
});

const accept = createRoute({
  method: "post",
  path: "/accept",
  tags,
  summary: "Accept an invitation: choose a name and password, and be signed in",
  description:
    "The token is the `token` query parameter of the mailed link. An unknown, expired, revoked or used one answers 400 naming `token`. The password policy of every password applies.",
  middleware: [rateLimit("register", { by: "ip", failClosed: true })],
  request: { body: jsonBody(AcceptInvitation) },
  responses: {
    201: jsonContent(TokenPair, "The new account, signed in"),
    ...problemResponses(400, 409, 413, 415, 429, 503),
  },
});

export const invitationRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(create, async (c) => {
    const invitation = await createInvitation(c.var.deps, actorOf(c), c.req.valid("json"));
    c.header("Location", `/v1/invitations/${invitation.id}`);
    return c.json(invitation, 201);
  })
  .openapi(list, async (c) =>
    c.json(await listInvitations(c.var.deps, actorOf(c), c.req.valid("query")), 200),
  )
  .openapi(getOne, async (c) =>
    c.json(await getInvitation(c.var.deps, actorOf(c), c.req.valid("param").id), 200),
  )
  .openapi(revoke, async (c) => {
    await revokeInvitation(c.var.deps, actorOf(c), c.req.valid("param").id);
    return c.body(null, 204);
  })
  .openapi(resend, async (c) => {
    return c.json(await resendInvitation(c.var.deps, actorOf(c), c.req.valid("param").id), 200);
  })
  .openapi(accept, async (c) => {
    const meta = { userAgent: c.req.header("User-Agent") ?? "", ip: c.var.clientIp };
    const pair = await acceptInvitation(c.var.deps, c.req.valid("json"), requestOriginOf(c), meta);
    setRefreshCookie(c, c.var.deps.config, pair.refreshToken);
    c.header("Cache-Control", "no-store");
    return c.json(pair, 201);
  });
