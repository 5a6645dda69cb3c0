import type { ProtectedRoute } from "../route-table.ts";
import { EVERYONE, MISSING_ID } from "./constants.ts";

// Not imported from route-table.ts: it imports this file, and the cycle would leave them undefined.

const comments = `/v1/tickets/${MISSING_ID}/comments`;
const comment = `${comments}/${MISSING_ID}`;

/** Anyone may comment on a ticket they can see: a missing ticket is 404 for every role. */
export const COMMENT_ROUTES: readonly ProtectedRoute[] = [
  { method: "GET", path: "/v1/tickets/{id}/comments", allowed: EVERYONE, request: { path: comments } },
  // An empty body is a 400: the role got through without creating anything.
  {
    method: "POST",
    path: "/v1/tickets/{id}/comments",
    allowed: EVERYONE,
    request: { path: comments, body: {} },
  },
  {
    method: "PATCH",
    path: "/v1/tickets/{id}/comments/{commentId}",
    allowed: EVERYONE,
    request: { path: comment, body: { body: "Edited" } },
  },
  {
    method: "DELETE",
    path: "/v1/tickets/{id}/comments/{commentId}",
    allowed: EVERYONE,
    request: { path: comment },
  },
];
