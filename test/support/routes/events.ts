import type { ProtectedRoute } from "../route-table.ts";
import { EVERYONE } from "./constants.ts";

/**
 * Everyone may watch the tickets they can see. The stream row sends a bad filter: its 400 proves
 * the caller got through authentication without opening a stream that would outlive the test.
 */
export const EVENT_ROUTES: readonly ProtectedRoute[] = [
  { method: "POST", path: "/v1/events/tokens", allowed: EVERYONE },
  { method: "GET", path: "/v1/events", allowed: EVERYONE, request: { path: "/v1/events?teamId=not-a-uuid" } },
  {
    method: "GET",
    path: "/v1/events/history",
    allowed: EVERYONE,
    request: { path: "/v1/events/history?limit=1" },
  },
];
