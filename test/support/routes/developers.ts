import type { ProtectedRoute } from "../route-table.ts";
import { MISSING_ID } from "./constants.ts";
import { call, callersTeam, team, teamDeveloper } from "./scene.ts";

const profile = `/v1/developers/${MISSING_ID}/profile`;
const STAFF = ["admin", "manager", "developer"] as const;

export const DEVELOPER_ROUTES: readonly ProtectedRoute[] = [
  { method: "GET", path: "/v1/developers", scope: "teams:read", allowed: STAFF, success: 200 },
  {
    method: "GET",
    path: "/v1/developers/{userId}/profile",
    scope: "teams:read",
    allowed: STAFF,
    request: { path: profile },
    success: 200,
    prepare: async (api) => ({ path: `/v1/developers/${await teamDeveloper(api, await team(api))}/profile` }),
  },
  {
    method: "PUT",
    path: "/v1/developers/{userId}/profile",
    scope: "teams:write",
    allowed: STAFF,
    request: { path: profile, body: { availability: "away" } },
    success: 200,
    // Managers: a developer of a team they lead; developers: their own availability.
    prepare: async (api, caller) => {
      if (caller.user.role === "developer") {
        await call(api, "PUT", `/v1/developers/${caller.user.id}/profile`, { capacity: 5 });
        return { path: `/v1/developers/${caller.user.id}/profile`, body: { availability: "away" } };
      }
      const developerId = await teamDeveloper(api, await callersTeam(api, caller));
      return {
        path: `/v1/developers/${developerId}/profile`,
        body: { availability: "offline", capacity: 3 },
      };
    },
    outsider: {
      role: "manager",
      status: 403,
      code: "not_team_lead",
      prepare: async (api) => ({
        path: `/v1/developers/${await teamDeveloper(api, await team(api))}/profile`,
        body: { availability: "offline" },
      }),
    },
  },
];
