import type { ProtectedRoute } from "../route-table.ts";
import { EVERYONE, MISSING_ID } from "./constants.ts";
import { type Api, type Caller, call, callersTeam, team, unique } from "./scene.ts";

const teamPath = `/v1/teams/${MISSING_ID}`;
const member = `${teamPath}/members/${MISSING_ID}`;
const MANAGERS = ["admin", "manager"] as const;
const notLead = { role: "manager", status: 403, code: "not_team_lead" } as const;

/** A team and a member of it the caller may manage (or, with `led: false`, one they do not lead). */
async function memberOf(api: Api, caller: Caller, led = true) {
  const teamId = led ? await callersTeam(api, caller) : await team(api);
  const user = await api.user("developer");
  await call(api, "PUT", `/v1/teams/${teamId}/members/${user.id}`, { role: "member" });
  return `/v1/teams/${teamId}/members/${user.id}`;
}

export const TEAM_ROUTES: readonly ProtectedRoute[] = [
  { method: "GET", path: "/v1/teams", scope: "teams:read", allowed: EVERYONE, success: 200 },
  {
    method: "POST",
    path: "/v1/teams",
    scope: "teams:write",
    allowed: MANAGERS,
    request: { body: {} },
    success: 201,
    prepare: async () => ({ path: "/v1/teams", body: { name: unique("Created") } }),
  },
  {
    method: "GET",
    path: "/v1/teams/{id}",
    scope: "teams:read",
    allowed: EVERYONE,
    request: { path: teamPath },
    success: 200,
    prepare: async (api, caller) => ({ path: `/v1/teams/${await callersTeam(api, caller)}` }),
  },
  {
    method: "PATCH",
    path: "/v1/teams/{id}",
    scope: "teams:write",
    allowed: MANAGERS,
    request: { path: teamPath, body: { name: "Nobody's team" } },
    success: 200,
    prepare: async (api, caller) => ({
      path: `/v1/teams/${await callersTeam(api, caller)}`,
      body: { name: unique("Renamed") },
    }),
    outsider: {
      ...notLead,
      prepare: async (api) => ({ path: `/v1/teams/${await team(api)}`, body: { name: unique("Taken") } }),
    },
  },
  {
    method: "DELETE",
    path: "/v1/teams/{id}",
    scope: "teams:write",
    allowed: MANAGERS,
    request: { path: teamPath },
    success: 204,
    prepare: async (api, caller) => ({ path: `/v1/teams/${await callersTeam(api, caller)}` }),
    outsider: { ...notLead, prepare: async (api) => ({ path: `/v1/teams/${await team(api)}` }) },
  },
  {
    method: "GET",
    path: "/v1/teams/{id}/members",
    scope: "teams:read",
    allowed: EVERYONE,
    request: { path: `${teamPath}/members` },
    success: 200,
    prepare: async (api, caller) => ({ path: `/v1/teams/${await callersTeam(api, caller)}/members` }),
  },
  {
    method: "PUT",
    path: "/v1/teams/{id}/members/{userId}",
    scope: "teams:write",
    allowed: MANAGERS,
    request: { path: member, body: { role: "member" } },
    success: 201,
    prepare: async (api, caller) => ({
      path: `/v1/teams/${await callersTeam(api, caller)}/members/${(await api.user("developer")).id}`,
      body: { role: "member" },
    }),
    outsider: {
      ...notLead,
      prepare: async (api) => ({
        path: `/v1/teams/${await team(api)}/members/${(await api.user("developer")).id}`,
        body: { role: "member" },
      }),
    },
  },
  {
    method: "DELETE",
    path: "/v1/teams/{id}/members/{userId}",
    scope: "teams:write",
    allowed: MANAGERS,
    request: { path: member },
    success: 204,
    prepare: async (api, caller) => ({ path: await memberOf(api, caller) }),
    outsider: { ...notLead, prepare: async (api, caller) => ({ path: await memberOf(api, caller, false) }) },
  },
];
