import { BEARER_SCHEME } from "../../lib/openapi.ts";

/**
 * What an API key may be used for. A scope only narrows: the owner's role (read on every
 * request) still decides, so `users:write` on a reporter's key opens nothing.
 */
export const API_KEY_SCOPES = [
  "tickets:read",
  "tickets:write",
  "comments:write",
  "teams:read",
  "teams:write",
  "users:read",
  "users:write",
  "audit:read",
  "webhooks:manage",
] as const;

export type Scope = (typeof API_KEY_SCOPES)[number];

/** The API key scheme's name in the OpenAPI document; its requirement lists the route's scope. */
export const API_KEY_SCHEME = "apiKey";

/**
 * `security` of a route that also accepts an API key holding `scope` (OpenAPI 3.1 lets a
 * non-OAuth requirement list the roles it needs). Pair it with `authenticate({ scope })`.
 */
export function bearerOrApiKey(scope: Scope): Record<string, string[]>[] {
  return [{ [BEARER_SCHEME]: [] }, { [API_KEY_SCHEME]: [scope] }];
}
