import type { Scope } from "../../src/features/api-keys/scopes.ts";
import type { Role } from "../../src/features/users/schemas.ts";
import { ACCOUNT_ROUTES } from "./routes/accounts.ts";
import { API_KEY_ROUTES } from "./routes/api-keys.ts";
import { ASSIGNMENT_ROUTES } from "./routes/assignments.ts";
import { ATTACHMENT_ROUTES } from "./routes/attachments.ts";
import { AUDIT_ROUTES } from "./routes/audit.ts";
import { CATEGORY_ROUTES } from "./routes/categories.ts";
import { COMMENT_ROUTES } from "./routes/comments.ts";
import { DEVELOPER_ROUTES } from "./routes/developers.ts";
import { EVENT_ROUTES } from "./routes/events.ts";
import { INVITATION_ROUTES } from "./routes/invitations.ts";
import { NOTIFICATION_ROUTES } from "./routes/notifications.ts";
import type { Api, Caller, Prepared } from "./routes/scene.ts";
import { TEAM_ROUTES } from "./routes/teams.ts";
import { TICKET_ROUTES } from "./routes/tickets.ts";
import { WEBHOOK_ROUTES } from "./routes/webhooks.ts";

export type { Api, Caller, Prepared } from "./routes/scene.ts";

export interface ProtectedRoute {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** The path as documented in OpenAPI, e.g. /v1/users/{id}. */
  path: string;
  /**
   * The scope an API key needs here, or null where keys are refused (403 api_key_not_allowed):
   * the one table test/api-keys/scope-matrix.test.ts checks the document and the server against.
   */
  scope: Scope | null;
  /** Roles that get past authentication and role checks. */
  allowed: readonly Role[];
  /** What anonymous callers and refused roles send: they are stopped before any resource. */
  request?: { path?: string; body?: unknown };
  /** The status an allowed caller gets for the request `prepare` builds: nothing less passes. */
  success: number;
  /** Real resources the caller is entitled to (their team, their ticket), built through the API. */
  prepare?: (api: Api, caller: Caller) => Promise<Prepared>;
  /**
   * Team scoping: a caller of `role` (allowed on the route) acting on a team they do not lead or
   * belong to is refused with this status and code.
   */
  outsider?: {
    role: Role;
    status: 403 | 404;
    code: string;
    prepare: (api: Api, caller: Caller) => Promise<Prepared>;
  };
}

/**
 * Every protected route and who may call it; a test compares it with the OpenAPI document.
 * Each feature keeps its rows in test/support/routes/<feature>.ts.
 */
export const PROTECTED_ROUTES: readonly ProtectedRoute[] = [
  ...ACCOUNT_ROUTES,
  ...INVITATION_ROUTES,
  ...TEAM_ROUTES,
  ...CATEGORY_ROUTES,
  ...DEVELOPER_ROUTES,
  ...TICKET_ROUTES,
  ...COMMENT_ROUTES,
  ...ASSIGNMENT_ROUTES,
  ...ATTACHMENT_ROUTES,
  ...AUDIT_ROUTES,
  ...EVENT_ROUTES,
  ...API_KEY_ROUTES,
  ...NOTIFICATION_ROUTES,
  ...WEBHOOK_ROUTES,
];

/** The request a role makes: its own resources when allowed, the static stand-in otherwise. */
export async function requestFor(route: ProtectedRoute, api: Api, caller: Caller | null): Promise<Prepared> {
  if (caller && route.allowed.includes(caller.user.role) && route.prepare) return route.prepare(api, caller);
  return { path: route.request?.path ?? route.path, body: route.request?.body };
}
