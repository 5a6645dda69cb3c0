import type { ProtectedRoute } from "../route-table.ts";
import { EVERYONE } from "./constants.ts";

/**
 * Everyone may watch the tickets they can see. The stream answers 200 and keeps going: the role
 * matrix reads the status and cancels the body (refused roles and anonymous callers send a bad
 * filter, which never opens one).
 */
export const EVENT_ROUTES: readonly ProtectedRoute[] = [
  { method: "POST", path: "/v1/events/tokens", scope: null, allowed: EVERYONE, success: 201 },
  {
    method: "GET",
    path: "/v1/events",
    scope: null,
    allowed: EVERYONE,
    request: { path: "/v1/events?teamId=not-a-uuid" },
    success: 200,
    prepare: async () => ({ path: "/v1/events" }),
  },
  {
    method: "GET",
    path: "/v1/events/history",
    scope: "tickets:read",
    allowed: EVERYONE,
    request: { path: "/v1/events/history?limit=1" },
    success: 200,
  },
];
