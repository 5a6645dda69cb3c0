import type { ProtectedRoute } from "../route-table.ts";
import { EVERYONE, MISSING_ID } from "./constants.ts";

// Not imported from route-table.ts: it imports this file, and the cycle would leave them undefined.

const assignment = `/v1/tickets/${MISSING_ID}/assignment`;
const STAFF = ["admin", "manager", "developer"] as const;

/** Reporters never assign nor see suggestions; anyone who sees a ticket sees its history. */
export const ASSIGNMENT_ROUTES: readonly ProtectedRoute[] = [
  {
    method: "GET",
    path: "/v1/tickets/{id}/assignment/suggestions",
    allowed: STAFF,
    request: { path: `${assignment}/suggestions` },
  },
  // An empty body is a 400: the role got through without assigning anything.
  {
    method: "POST",
    path: "/v1/tickets/{id}/assignment",
    allowed: STAFF,
    request: { path: assignment, body: {} },
  },
  { method: "DELETE", path: "/v1/tickets/{id}/assignment", allowed: STAFF, request: { path: assignment } },
  {
    method: "GET",
    path: "/v1/tickets/{id}/assignment/history",
    allowed: EVERYONE,
    request: { path: `${assignment}/history` },
  },
];
