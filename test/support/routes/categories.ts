import type { ProtectedRoute } from "../route-table.ts";
import { EVERYONE, MISSING_ID } from "./constants.ts";
import { type Api, type Caller, call, callersTeam, team, unique } from "./scene.ts";

const category = `/v1/categories/${MISSING_ID}`;
const MANAGERS = ["admin", "manager"] as const;
const notLead = { role: "manager", status: 403, code: "not_team_lead" } as const;

/** A category routed to the caller's team (a manager's own), or to a team they do not lead. */
async function routedCategory(api: Api, caller: Caller, own = true): Promise<string> {
  const defaultTeamId = own ? await callersTeam(api, caller) : await team(api);
  const { id } = await call<{ id: string }>(api, "POST", "/v1/categories", {
    name: unique("Matrix"),
    defaultTeamId,
  });
  return `/v1/categories/${id}`;
}

export const CATEGORY_ROUTES: readonly ProtectedRoute[] = [
  { method: "GET", path: "/v1/categories", scope: "teams:read", allowed: EVERYONE, success: 200 },
  {
    method: "POST",
    path: "/v1/categories",
    scope: "teams:write",
    allowed: MANAGERS,
    request: { body: {} },
    success: 201,
    prepare: async (api, caller) => ({
      path: "/v1/categories",
      body: { name: unique("Created"), defaultTeamId: await callersTeam(api, caller) },
    }),
    outsider: {
      ...notLead,
      prepare: async (api) => ({
        path: "/v1/categories",
        body: { name: unique("Routed"), defaultTeamId: await team(api) },
      }),
    },
  },
  {
    method: "GET",
    path: "/v1/categories/{id}",
    scope: "teams:read",
    allowed: EVERYONE,
    request: { path: category },
    success: 200,
    prepare: async (api, caller) => ({ path: await routedCategory(api, caller, false) }),
  },
  {
    method: "PATCH",
    path: "/v1/categories/{id}",
    scope: "teams:write",
    allowed: MANAGERS,
    request: { path: category, body: { name: "Nothing" } },
    success: 200,
    prepare: async (api, caller) => ({
      path: await routedCategory(api, caller),
      body: { description: "Ours" },
    }),
    outsider: {
      ...notLead,
      prepare: async (api, caller) => ({
        path: await routedCategory(api, caller, false),
        body: { defaultTeamId: await callersTeam(api, caller) },
      }),
    },
  },
  {
    method: "DELETE",
    path: "/v1/categories/{id}",
    scope: "teams:write",
    allowed: MANAGERS,
    request: { path: category },
    success: 204,
    prepare: async (api, caller) => ({ path: await routedCategory(api, caller) }),
    outsider: {
      ...notLead,
      prepare: async (api, caller) => ({ path: await routedCategory(api, caller, false) }),
    },
  },
];
