import type { ProtectedRoute } from "../route-table.ts";
import { EVERYONE, MISSING_ID } from "./constants.ts";
import { type Api, type Caller, call, callersTicket } from "./scene.ts";

const comments = `/v1/tickets/${MISSING_ID}/comments`;
const comment = `${comments}/${MISSING_ID}`;

/** A comment the caller wrote on a ticket they see. */
async function ownComment(api: Api, caller: Caller): Promise<string> {
  const { id } = await callersTicket(api, caller);
  const written = await call<{ id: string }>(
    api,
    "POST",
    `/v1/tickets/${id}/comments`,
    { body: "Mine" },
    caller.session,
  );
  return `/v1/tickets/${id}/comments/${written.id}`;
}

/** Anyone may comment on a ticket they can see; only the author edits or deletes a comment. */
export const COMMENT_ROUTES: readonly ProtectedRoute[] = [
  {
    method: "GET",
    path: "/v1/tickets/{id}/comments",
    scope: "tickets:read",
    allowed: EVERYONE,
    request: { path: comments },
    success: 200,
    prepare: async (api, caller) => ({
      path: `/v1/tickets/${(await callersTicket(api, caller)).id}/comments`,
    }),
  },
  {
    method: "POST",
    path: "/v1/tickets/{id}/comments",
    scope: "comments:write",
    allowed: EVERYONE,
    request: { path: comments, body: {} },
    success: 201,
    prepare: async (api, caller) => ({
      path: `/v1/tickets/${(await callersTicket(api, caller)).id}/comments`,
      body: { body: "A comment" },
    }),
  },
  {
    method: "PATCH",
    path: "/v1/tickets/{id}/comments/{commentId}",
    scope: "comments:write",
    allowed: EVERYONE,
    request: { path: comment, body: { body: "Edited" } },
    success: 200,
    prepare: async (api, caller) => ({ path: await ownComment(api, caller), body: { body: "Edited" } }),
  },
  {
    method: "DELETE",
    path: "/v1/tickets/{id}/comments/{commentId}",
    scope: "comments:write",
    allowed: EVERYONE,
    request: { path: comment },
    success: 204,
    prepare: async (api, caller) => ({ path: await ownComment(api, caller) }),
  },
];
