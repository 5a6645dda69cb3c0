import type { ProtectedRoute } from "../route-table.ts";
import { MISSING_ID } from "./constants.ts";

// A local copy: route-table.ts imports this file, so its values are not initialised yet here.

const profile = `/v1/developers/${MISSING_ID}/profile`;
const STAFF = ["admin", "manager", "developer"] as const;

export const DEVELOPER_ROUTES: readonly ProtectedRoute[] = [
  { method: "GET", path: "/v1/developers", allowed: STAFF },
  { method: "GET", path: "/v1/developers/{userId}/profile", allowed: STAFF, request: { path: profile } },
  {
    method: "PUT",
    path: "/v1/developers/{userId}/profile",
    allowed: STAFF,
    request: { path: profile, body: { availability: "away" } },
  },
];
