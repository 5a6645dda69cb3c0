import type { ProtectedRoute } from "../route-table.ts";
import { EVERYONE, MISSING_ID } from "./constants.ts";

// Local copies: route-table.ts imports this file, so its values are not initialised yet here.

const team = `/v1/teams/${MISSING_ID}`;
const member = `${team}/members/${MISSING_ID}`;

export const TEAM_ROUTES: readonly ProtectedRoute[] = [
  { method: "GET", path: "/v1/teams", allowed: EVERYONE },
  { method: "POST", path: "/v1/teams", allowed: ["admin", "manager"], request: { body: {} } },
  { method: "GET", path: "/v1/teams/{id}", allowed: EVERYONE, request: { path: team } },
  {
    method: "PATCH",
    path: "/v1/teams/{id}",
    allowed: ["admin", "manager"],
    request: { path: team, body: { name: "Nobody's team" } },
  },
  { method: "DELETE", path: "/v1/teams/{id}", allowed: ["admin", "manager"], request: { path: team } },
  { method: "GET", path: "/v1/teams/{id}/members", allowed: EVERYONE, request: { path: `${team}/members` } },
  {
    method: "PUT",
    path: "/v1/teams/{id}/members/{userId}",
    allowed: ["admin", "manager"],
    request: { path: member, body: { role: "member" } },
  },
  {
    method: "DELETE",
    path: "/v1/teams/{id}/members/{userId}",
    allowed: ["admin", "manager"],
    request: { path: member },
  },
];
