import type { ProtectedRoute } from "../route-table.ts";
import { EVERYONE, MISSING_ID } from "./constants.ts";
import { call, unique } from "./scene.ts";

export const API_KEY_ROUTES: readonly ProtectedRoute[] = [
  {
    method: "POST",
    path: "/v1/api-keys",
    scope: null,
    allowed: EVERYONE,
    request: { body: { name: "" } },
    success: 201,
    prepare: async () => ({
      path: "/v1/api-keys",
      body: { name: unique("Matrix key"), scopes: ["tickets:read"], expiresInDays: 1 },
    }),
  },
  { method: "GET", path: "/v1/api-keys", scope: null, allowed: EVERYONE, success: 200 },
  {
    method: "DELETE",
    path: "/v1/api-keys/{id}",
    scope: null,
    allowed: EVERYONE,
    request: { path: `/v1/api-keys/${MISSING_ID}` },
    success: 204,
    prepare: async (api, caller) => {
      const { id } = await call<{ id: string }>(
        api,
        "POST",
        "/v1/api-keys",
        { name: unique("Matrix key"), scopes: ["tickets:read"] },
        caller.session,
      );
      return { path: `/v1/api-keys/${id}` };
    },
  },
];
