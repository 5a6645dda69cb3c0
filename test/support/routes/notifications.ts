import type { ProtectedRoute } from "../route-table.ts";
import { EVERYONE, MISSING_ID } from "./constants.ts";
import { type Api, type Caller, call, callersTicket, team, unique } from "./scene.ts";

const STAFF = ["admin", "manager", "developer"] as const;

/** A notification of the caller's: they watch a ticket they see, and the admin comments on it. */
async function callersNotification(api: Api, caller: Caller): Promise<string> {
  const { id } = await callersTicket(api, caller);
  await call(api, "PUT", `/v1/tickets/${id}/watchers/me`, undefined, caller.session);
  await call(api, "POST", `/v1/tickets/${id}/comments`, { body: "News" });
  const page = await call<{ data: { id: string }[] }>(
    api,
    "GET",
    "/v1/notifications",
    undefined,
    caller.session,
  );
  const [first] = page.data;
  if (!first) throw new Error("the caller got no notification");
  return first.id;
}

const watchersOf = async (api: Api, caller: Caller, suffix: string) => ({
  path: `/v1/tickets/${(await callersTicket(api, caller)).id}/watchers${suffix}`,
});

/** Everyone has an inbox and preferences; staff list a ticket's watchers. */
export const NOTIFICATION_ROUTES: readonly ProtectedRoute[] = [
  { method: "GET", path: "/v1/notifications", allowed: EVERYONE, scope: null, success: 200 },
  { method: "GET", path: "/v1/notifications/unread-count", allowed: EVERYONE, scope: null, success: 200 },
  {
    method: "POST",
    path: "/v1/notifications/read-all",
    allowed: EVERYONE,
    scope: null,
    request: { body: { upToSeq: 1 } },
    success: 200,
    prepare: async () => ({ path: "/v1/notifications/read-all", body: { upToSeq: 1 } }),
  },
  { method: "GET", path: "/v1/notifications/preferences", allowed: EVERYONE, scope: null, success: 200 },
  {
    method: "PATCH",
    path: "/v1/notifications/preferences",
    allowed: EVERYONE,
    scope: null,
    request: { body: { commented: "off" } },
    success: 200,
    prepare: async () => ({ path: "/v1/notifications/preferences", body: { commented: "off" } }),
  },
  {
    method: "PATCH",
    path: "/v1/notifications/{id}",
    allowed: EVERYONE,
    scope: null,
    request: { path: `/v1/notifications/${MISSING_ID}`, body: { read: true } },
    success: 200,
    prepare: async (api, caller) => ({
      path: `/v1/notifications/${await callersNotification(api, caller)}`,
      body: { read: true },
    }),
  },
  {
    method: "GET",
    path: "/v1/tickets/{id}/watchers",
    allowed: STAFF,
    scope: null,
    request: { path: `/v1/tickets/${MISSING_ID}/watchers` },
    success: 200,
    prepare: (api, caller) => watchersOf(api, caller, ""),
    outsider: {
      role: "developer",
      status: 404,
      code: "ticket_not_found",
      prepare: async (api) => {
        const ticket = await call<{ id: string }>(api, "POST", "/v1/tickets", {
          title: unique("Theirs"),
          teamId: await team(api),
        });
        return { path: `/v1/tickets/${ticket.id}/watchers` };
      },
    },
  },
  {
    method: "PUT",
    path: "/v1/tickets/{id}/watchers/me",
    allowed: EVERYONE,
    scope: null,
    request: { path: `/v1/tickets/${MISSING_ID}/watchers/me` },
    success: 200,
    prepare: (api, caller) => watchersOf(api, caller, "/me"),
  },
  {
    method: "DELETE",
    path: "/v1/tickets/{id}/watchers/me",
    allowed: EVERYONE,
    scope: null,
    request: { path: `/v1/tickets/${MISSING_ID}/watchers/me` },
    success: 200,
    prepare: (api, caller) => watchersOf(api, caller, "/me"),
  },
];
