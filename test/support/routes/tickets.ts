import type { ProtectedRoute } from "../route-table.ts";
import { EVERYONE, MISSING_ID } from "./constants.ts";

// Local copies: route-table.ts imports this file, so its values are not initialised yet here.

const missing = `/v1/tickets/${MISSING_ID}`;

export const TICKET_ROUTES: readonly ProtectedRoute[] = [
  { method: "GET", path: "/v1/tickets", allowed: EVERYONE },
  // An empty body is a 400: it proves the role got through without creating anything.
  { method: "POST", path: "/v1/tickets", allowed: EVERYONE, request: { body: {} } },
  { method: "GET", path: "/v1/tickets/{id}", allowed: EVERYONE, request: { path: missing } },
  {
    method: "PATCH",
    path: "/v1/tickets/{id}",
    allowed: EVERYONE,
    request: { path: missing, body: { title: "Nobody's" } },
  },
  { method: "DELETE", path: "/v1/tickets/{id}", allowed: ["admin", "manager"], request: { path: missing } },
  {
    method: "POST",
    path: "/v1/tickets/{id}/restore",
    allowed: ["admin", "manager"],
    request: { path: `${missing}/restore` },
  },
  {
    method: "GET",
    path: "/v1/tickets/{id}/activity",
    allowed: EVERYONE,
    request: { path: `${missing}/activity` },
  },
];
