import type { ProtectedRoute } from "../route-table.ts";

export const AUDIT_ROUTES: readonly ProtectedRoute[] = [
  {
    method: "GET",
    path: "/v1/audit-log",
    scope: "audit:read",
    allowed: ["admin"],
    request: { path: "/v1/audit-log?limit=1" },
    success: 200,
  },
];
