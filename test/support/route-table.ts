import type { Role } from "../../src/features/users/schemas.ts";

export interface ProtectedRoute {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** The path as documented in OpenAPI, e.g. /v1/users/{id}. */
  path: string;
  /** Roles that get past authentication and role checks (any status but 401/403 then). */
  allowed: readonly Role[];
  /** A concrete request; invalid bodies are fine: a 400 still proves the caller got through. */
  request?: { path?: string; body?: unknown };
}

const EVERYONE: readonly Role[] = ["admin", "manager", "developer", "reporter"];
const missingId = "00000000-0000-4000-8000-000000000000";

/** Every protected route and who may call it. New routes join here; a test enforces it. */
export const PROTECTED_ROUTES: readonly ProtectedRoute[] = [
  { method: "POST", path: "/v1/auth/logout", allowed: EVERYONE },
  { method: "POST", path: "/v1/auth/logout-all", allowed: EVERYONE },
  { method: "GET", path: "/v1/auth/sessions", allowed: EVERYONE },
  {
    method: "DELETE",
    path: "/v1/auth/sessions/{id}",
    allowed: EVERYONE,
    request: { path: `/v1/auth/sessions/${missingId}` },
  },
  {
    method: "POST",
    path: "/v1/auth/password",
    allowed: EVERYONE,
    request: { body: { currentPassword: "x", newPassword: "short" } },
  },
  { method: "GET", path: "/v1/me", allowed: EVERYONE },
  { method: "PATCH", path: "/v1/me", allowed: EVERYONE, request: { body: { name: "Renamed" } } },
  { method: "GET", path: "/v1/users", allowed: ["admin", "manager"] },
  { method: "POST", path: "/v1/users", allowed: ["admin"], request: { body: { email: "bad" } } },
  {
    method: "GET",
    path: "/v1/users/{id}",
    allowed: ["admin", "manager"],
    request: { path: `/v1/users/${missingId}` },
  },
  {
    method: "PATCH",
    path: "/v1/users/{id}",
    allowed: ["admin"],
    request: { path: `/v1/users/${missingId}`, body: { name: "Nobody" } },
  },
];
