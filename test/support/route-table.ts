import type { Role } from "../../src/features/users/schemas.ts";
import { ASSIGNMENT_ROUTES } from "./routes/assignments.ts";
import { AUDIT_ROUTES } from "./routes/audit.ts";
import { CATEGORY_ROUTES } from "./routes/categories.ts";
import { COMMENT_ROUTES } from "./routes/comments.ts";
import { EVERYONE, MISSING_ID } from "./routes/constants.ts";
import { DEVELOPER_ROUTES } from "./routes/developers.ts";
import { EVENT_ROUTES } from "./routes/events.ts";
import { TEAM_ROUTES } from "./routes/teams.ts";
import { TICKET_ROUTES } from "./routes/tickets.ts";

export interface ProtectedRoute {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** The path as documented in OpenAPI, e.g. /v1/users/{id}. */
  path: string;
  /** Roles that get past authentication and role checks (any status but 401/403 then). */
  allowed: readonly Role[];
  /** A concrete request; invalid bodies are fine: a 400 still proves the caller got through. */
  request?: { path?: string; body?: unknown };
}

const missingId = MISSING_ID;

const ACCOUNT_ROUTES: readonly ProtectedRoute[] = [
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
  {
    method: "DELETE",
    path: "/v1/users/{id}/sessions",
    allowed: ["admin"],
    request: { path: `/v1/users/${missingId}/sessions` },
  },
];

/**
 * Every protected route and who may call it; a test compares it with the OpenAPI document.
 * Each feature keeps its rows in test/support/routes/<feature>.ts.
 */
export const PROTECTED_ROUTES: readonly ProtectedRoute[] = [
  ...ACCOUNT_ROUTES,
  ...TEAM_ROUTES,
  ...CATEGORY_ROUTES,
  ...DEVELOPER_ROUTES,
  ...TICKET_ROUTES,
  ...COMMENT_ROUTES,
  ...ASSIGNMENT_ROUTES,
  ...AUDIT_ROUTES,
  ...EVENT_ROUTES,
];
