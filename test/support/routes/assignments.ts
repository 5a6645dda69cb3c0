import type { ProtectedRoute } from "../route-table.ts";
import { EVERYONE, MISSING_ID } from "./constants.ts";
import { type Api, type Caller, call, callersTicket, team, teamDeveloper } from "./scene.ts";

const assignment = `/v1/tickets/${MISSING_ID}/assignment`;
const STAFF = ["admin", "manager", "developer"] as const;

/** The caller's ticket and who they may assign it to: themself as a developer, a team developer otherwise. */
async function assignable(api: Api, caller: Caller) {
  const ticket = await callersTicket(api, caller);
  if (caller.user.role === "developer") {
    await call(api, "PUT", `/v1/developers/${caller.user.id}/profile`, { capacity: 5 });
    return { ticketId: ticket.id, assigneeId: caller.user.id };
  }
  return { ticketId: ticket.id, assigneeId: await teamDeveloper(api, ticket.teamId) };
}

/** Reporters never assign nor see suggestions; anyone who sees a ticket sees its history. */
export const ASSIGNMENT_ROUTES: readonly ProtectedRoute[] = [
  {
    method: "GET",
    path: "/v1/tickets/{id}/assignment/suggestions",
    scope: "tickets:read",
    allowed: STAFF,
    request: { path: `${assignment}/suggestions` },
    success: 200,
    prepare: async (api, caller) => ({
      path: `/v1/tickets/${(await callersTicket(api, caller)).id}/assignment/suggestions`,
    }),
  },
  {
    method: "POST",
    path: "/v1/tickets/{id}/assignment",
    scope: "tickets:write",
    allowed: STAFF,
    request: { path: assignment, body: {} },
    success: 200,
    prepare: async (api, caller) => {
      const { ticketId, assigneeId } = await assignable(api, caller);
      return { path: `/v1/tickets/${ticketId}/assignment`, body: { assigneeId } };
    },
    outsider: {
      role: "manager",
      status: 404,
      code: "ticket_not_found",
      prepare: async (api) => {
        const teamId = await team(api);
        const ticket = await call<{ id: string }>(api, "POST", "/v1/tickets", { title: "Theirs", teamId });
        return {
          path: `/v1/tickets/${ticket.id}/assignment`,
          body: { assigneeId: await teamDeveloper(api, teamId) },
        };
      },
    },
  },
  {
    method: "DELETE",
    path: "/v1/tickets/{id}/assignment",
    scope: "tickets:write",
    allowed: STAFF,
    request: { path: assignment },
    success: 200,
    prepare: async (api, caller) => {
      const { ticketId, assigneeId } = await assignable(api, caller);
      await call(api, "POST", `/v1/tickets/${ticketId}/assignment`, { assigneeId });
      return { path: `/v1/tickets/${ticketId}/assignment` };
    },
  },
  {
    method: "GET",
    path: "/v1/tickets/{id}/assignment/history",
    scope: "tickets:read",
    allowed: EVERYONE,
    request: { path: `${assignment}/history` },
    success: 200,
    prepare: async (api, caller) => ({
      path: `/v1/tickets/${(await callersTicket(api, caller)).id}/assignment/history`,
    }),
  },
];
