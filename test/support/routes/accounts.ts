import type { ProtectedRoute } from "../route-table.ts";
import { EVERYONE, MISSING_ID } from "./constants.ts";
import { call, unique } from "./scene.ts";

const ADMIN = ["admin"] as const;

export const ACCOUNT_ROUTES: readonly ProtectedRoute[] = [
  { method: "POST", path: "/v1/auth/logout", scope: null, allowed: EVERYONE, success: 204 },
  { method: "POST", path: "/v1/auth/logout-all", scope: null, allowed: EVERYONE, success: 204 },
  { method: "GET", path: "/v1/auth/sessions", scope: null, allowed: EVERYONE, success: 200 },
  {
    method: "DELETE",
    path: "/v1/auth/sessions/{id}",
    scope: null,
    allowed: EVERYONE,
    request: { path: `/v1/auth/sessions/${MISSING_ID}` },
    success: 204,
    prepare: async (api, caller) => {
      const { data } = await call<{ data: { id: string }[] }>(
        api,
        "GET",
        "/v1/auth/sessions",
        undefined,
        caller.session,
      );
      return { path: `/v1/auth/sessions/${data[0]?.id}` };
    },
  },
  {
    method: "POST",
    path: "/v1/auth/password",
    scope: null,
    allowed: EVERYONE,
    request: { body: { currentPassword: "x", newPassword: "short" } },
    success: 204,
    prepare: async (_api, caller) => ({
      path: "/v1/auth/password",
      body: { currentPassword: caller.user.password, newPassword: "a quite different passphrase 7" },
    }),
  },
  { method: "GET", path: "/v1/me", scope: "users:read", allowed: EVERYONE, success: 200 },
  {
    method: "PATCH",
    path: "/v1/me",
    scope: null,
    allowed: EVERYONE,
    request: { body: { name: "Renamed" } },
    success: 200,
  },
  { method: "GET", path: "/v1/users", scope: "users:read", allowed: ["admin", "manager"], success: 200 },
  {
    method: "POST",
    path: "/v1/users",
    scope: "users:write",
    allowed: ADMIN,
    request: { body: { email: "bad" } },
    success: 201,
    prepare: async () => ({
      path: "/v1/users",
      body: {
        email: `${crypto.randomUUID()}@matrix.test`,
        name: unique("Matrix"),
        role: "reporter",
        password: "a quite different passphrase 7",
      },
    }),
  },
  {
    method: "GET",
    path: "/v1/users/{id}",
    scope: "users:read",
    allowed: ["admin", "manager"],
    request: { path: `/v1/users/${MISSING_ID}` },
    success: 200,
    prepare: async (api) => ({ path: `/v1/users/${(await api.user("developer")).id}` }),
  },
  {
    method: "PATCH",
    path: "/v1/users/{id}",
    scope: "users:write",
    allowed: ADMIN,
    request: { path: `/v1/users/${MISSING_ID}`, body: { name: "Nobody" } },
    success: 200,
    prepare: async (api) => ({
      path: `/v1/users/${(await api.user("reporter")).id}`,
      body: { name: unique("Renamed") },
    }),
  },
  {
    method: "DELETE",
    path: "/v1/users/{id}/sessions",
    scope: "users:write",
    allowed: ADMIN,
    request: { path: `/v1/users/${MISSING_ID}/sessions` },
    success: 204,
    prepare: async (api) => ({ path: `/v1/users/${(await api.user("reporter")).id}/sessions` }),
  },
];
