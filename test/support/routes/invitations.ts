import type { ProtectedRoute } from "../route-table.ts";
import { EVERYONE, MISSING_ID } from "./constants.ts";
import { type Api, type Caller, call, callersTeam } from "./scene.ts";

const INVITERS = ["admin", "manager"] as const;

/** An invitation the caller sent: a manager's goes into a team they lead. */
async function callersInvitation(api: Api, caller: Caller): Promise<string> {
  const teamId = await callersTeam(api, caller);
  const { id } = await call<{ id: string }>(
    api,
    "POST",
    "/v1/invitations",
    { email: `${crypto.randomUUID()}@matrix.test`, role: "developer", teamIds: [teamId] },
    caller.session,
  );
  return id;
}

export const INVITATION_ROUTES: readonly ProtectedRoute[] = [
  {
    method: "POST",
    path: "/v1/invitations",
    allowed: INVITERS,
    scope: null,
    request: { body: { email: "bad" } },
    success: 201,
    prepare: async (api, caller) => ({
      path: "/v1/invitations",
      body: {
        email: `${crypto.randomUUID()}@matrix.test`,
        role: "developer",
        teamIds: [await callersTeam(api, caller)],
      },
    }),
  },
  { method: "GET", path: "/v1/invitations", allowed: INVITERS, scope: null, success: 200 },
  {
    method: "GET",
    path: "/v1/invitations/{id}",
    allowed: INVITERS,
    scope: null,
    request: { path: `/v1/invitations/${MISSING_ID}` },
    success: 200,
    prepare: async (api, caller) => ({ path: `/v1/invitations/${await callersInvitation(api, caller)}` }),
  },
  {
    method: "DELETE",
    path: "/v1/invitations/{id}",
    allowed: INVITERS,
    scope: null,
    request: { path: `/v1/invitations/${MISSING_ID}` },
    success: 204,
    prepare: async (api, caller) => ({ path: `/v1/invitations/${await callersInvitation(api, caller)}` }),
  },
  {
    method: "POST",
    path: "/v1/invitations/{id}/resend",
    allowed: INVITERS,
    scope: null,
    request: { path: `/v1/invitations/${MISSING_ID}/resend` },
    success: 200,
    prepare: async (api, caller) => ({
      path: `/v1/invitations/${await callersInvitation(api, caller)}/resend`,
    }),
  },
  { method: "POST", path: "/v1/me/email-verification", allowed: EVERYONE, scope: null, success: 202 },
  {
    method: "POST",
    path: "/v1/me/email",
    allowed: EVERYONE,
    scope: null,
    request: { body: { newEmail: "bad" } },
    success: 202,
    prepare: async (_api, caller) => ({
      path: "/v1/me/email",
      body: { newEmail: `${crypto.randomUUID()}@matrix.test`, currentPassword: caller.user.password },
    }),
  },
];
