import type { ProtectedRoute } from "../route-table.ts";
import { MISSING_ID } from "./constants.ts";
import { type Api, type Caller, call, callersTeam, team, unique } from "./scene.ts";

const MANAGERS = ["admin", "manager"] as const;
const endpoint = `/v1/webhooks/${MISSING_ID}`;
const delivery = `${endpoint}/deliveries/${MISSING_ID}`;
/** Another team's endpoint looks missing to a manager. */
const missing = { role: "manager", status: 404, code: "webhook_not_found" } as const;

/** An endpoint filtered to the caller's team (a team they lead), or to a team they do not lead. */
async function teamEndpoint(api: Api, caller: Caller, own = true): Promise<string> {
  const teamId = own ? await callersTeam(api, caller) : await team(api);
  const { id } = await call<{ id: string }>(api, "POST", "/v1/webhooks", {
    url: `https://hooks.example.com/${unique("matrix").replace(" ", "-")}`,
    teamId,
    // Nothing is sent while the matrix runs: pings to a disabled endpoint fail without a request.
    enabled: false,
  });
  return `/v1/webhooks/${id}`;
}

async function pingedDelivery(api: Api, caller: Caller): Promise<string> {
  const path = await teamEndpoint(api, caller);
  const { id } = await call<{ id: string }>(api, "POST", `${path}/ping`);
  return `${path}/deliveries/${id}`;
}

const onOwn = (suffix = "", body?: unknown) => ({
  prepare: async (api: Api, caller: Caller) => ({
    path: `${await teamEndpoint(api, caller)}${suffix}`,
    body,
  }),
  outsider: {
    ...missing,
    prepare: async (api: Api, caller: Caller) => ({
      path: `${await teamEndpoint(api, caller, false)}${suffix}`,
      body,
    }),
  },
});

export const WEBHOOK_ROUTES: readonly ProtectedRoute[] = [
  { method: "GET", path: "/v1/webhooks", allowed: MANAGERS, scope: "webhooks:manage", success: 200 },
  {
    method: "POST",
    path: "/v1/webhooks",
    allowed: MANAGERS,
    scope: "webhooks:manage",
    request: { body: {} },
    success: 201,
    prepare: async (api, caller) => ({
      path: "/v1/webhooks",
      body: { url: "https://hooks.example.com/created", teamId: await callersTeam(api, caller) },
    }),
    outsider: {
      role: "manager",
      status: 403,
      code: "not_team_lead",
      prepare: async (api) => ({
        path: "/v1/webhooks",
        body: { url: "https://hooks.example.com/theirs", teamId: await team(api) },
      }),
    },
  },
  {
    method: "GET",
    path: "/v1/webhooks/{id}",
    allowed: MANAGERS,
    scope: "webhooks:manage",
    request: { path: endpoint },
    success: 200,
    ...onOwn(),
  },
  {
    method: "PATCH",
    path: "/v1/webhooks/{id}",
    allowed: MANAGERS,
    scope: "webhooks:manage",
    request: { path: endpoint, body: { description: "x" } },
    success: 200,
    ...onOwn("", { description: "Ours" }),
  },
  {
    method: "DELETE",
    path: "/v1/webhooks/{id}",
    allowed: MANAGERS,
    scope: "webhooks:manage",
    request: { path: endpoint },
    success: 204,
    ...onOwn(),
  },
  {
    method: "POST",
    path: "/v1/webhooks/{id}/rotate-secret",
    allowed: MANAGERS,
    scope: "webhooks:manage",
    request: { path: `${endpoint}/rotate-secret` },
    success: 200,
    ...onOwn("/rotate-secret"),
  },
  {
    method: "POST",
    path: "/v1/webhooks/{id}/ping",
    allowed: MANAGERS,
    scope: "webhooks:manage",
    request: { path: `${endpoint}/ping` },
    success: 202,
    ...onOwn("/ping"),
  },
  {
    method: "GET",
    path: "/v1/webhooks/{id}/deliveries",
    allowed: MANAGERS,
    scope: "webhooks:manage",
    request: { path: `${endpoint}/deliveries` },
    success: 200,
    ...onOwn("/deliveries"),
  },
  {
    method: "POST",
    path: "/v1/webhooks/{id}/redeliver-failed",
    allowed: MANAGERS,
    scope: "webhooks:manage",
    request: { path: `${endpoint}/redeliver-failed`, body: { since: "2025-01-01T00:00:00Z" } },
    success: 202,
    ...onOwn("/redeliver-failed", { since: "2025-01-01T00:00:00Z" }),
  },
  {
    method: "GET",
    path: "/v1/webhooks/{id}/deliveries/{deliveryId}",
    allowed: MANAGERS,
    scope: "webhooks:manage",
    request: { path: delivery },
    success: 200,
    prepare: async (api, caller) => ({ path: await pingedDelivery(api, caller) }),
  },
  {
    method: "POST",
    path: "/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver",
    allowed: MANAGERS,
    scope: "webhooks:manage",
    request: { path: `${delivery}/redeliver` },
    success: 202,
    prepare: async (api, caller) => ({ path: `${await pingedDelivery(api, caller)}/redeliver` }),
  },
];
