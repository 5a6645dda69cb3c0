import type { ProtectedRoute } from "../route-table.ts";
import { EVERYONE, MISSING_ID } from "./constants.ts";
import { call, callersTicket, team, unique } from "./scene.ts";

const missing = `/v1/tickets/${MISSING_ID}`;
const MANAGERS = ["admin", "manager"] as const;
/** Another team's ticket is invisible to a manager who does not lead it: 404, as if missing. */
const otherTeams = { role: "manager", status: 404, code: "ticket_not_found" } as const;

export const TICKET_ROUTES: readonly ProtectedRoute[] = [
  { method: "GET", path: "/v1/tickets", scope: "tickets:read", allowed: EVERYONE, success: 200 },
  {
    method: "POST",
    path: "/v1/tickets",
    scope: "tickets:write",
    allowed: EVERYONE,
    request: { body: {} },
    success: 201,
    prepare: async () => ({ path: "/v1/tickets", body: { title: unique("Reported") } }),
  },
  {
    method: "GET",
    path: "/v1/tickets/{id}",
    scope: "tickets:read",
    allowed: EVERYONE,
    request: { path: missing },
    success: 200,
    prepare: async (api, caller) => ({ path: `/v1/tickets/${(await callersTicket(api, caller)).id}` }),
  },
  {
    method: "PATCH",
    path: "/v1/tickets/{id}",
    scope: "tickets:write",
    allowed: EVERYONE,
    request: { path: missing, body: { title: "Nobody's" } },
    success: 200,
    prepare: async (api, caller) => ({
      path: `/v1/tickets/${(await callersTicket(api, caller)).id}`,
      body: { title: unique("Retitled") },
    }),
  },
  {
    method: "DELETE",
    path: "/v1/tickets/{id}",
    scope: "tickets:write",
    allowed: MANAGERS,
    request: { path: missing },
    success: 204,
    prepare: async (api, caller) => ({ path: `/v1/tickets/${(await callersTicket(api, caller)).id}` }),
    outsider: {
      ...otherTeams,
      prepare: async (api) => {
        const ticket = await call<{ id: string }>(api, "POST", "/v1/tickets", {
          title: "Theirs",
          teamId: await team(api),
        });
        return { path: `/v1/tickets/${ticket.id}` };
      },
    },
  },
  {
    method: "POST",
    path: "/v1/tickets/{id}/restore",
    scope: "tickets:write",
    allowed: MANAGERS,
    request: { path: `${missing}/restore` },
    success: 200,
    prepare: async (api, caller) => {
      const { id } = await callersTicket(api, caller);
      await call(api, "DELETE", `/v1/tickets/${id}`);
      return { path: `/v1/tickets/${id}/restore` };
    },
    outsider: {
      ...otherTeams,
      prepare: async (api) => {
        const ticket = await call<{ id: string }>(api, "POST", "/v1/tickets", {
          title: "Theirs",
          teamId: await team(api),
        });
        await call(api, "DELETE", `/v1/tickets/${ticket.id}`);
        return { path: `/v1/tickets/${ticket.id}/restore` };
      },
    },
  },
  {
    method: "GET",
    path: "/v1/tickets/{id}/activity",
    scope: "tickets:read",
    allowed: EVERYONE,
    request: { path: `${missing}/activity` },
    success: 200,
    prepare: async (api, caller) => ({
      path: `/v1/tickets/${(await callersTicket(api, caller)).id}/activity`,
    }),
  },
];
