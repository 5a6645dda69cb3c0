import type { ProtectedRoute } from "../route-table.ts";
import { EVERYONE, MISSING_ID } from "./constants.ts";

// Local copies: route-table.ts imports this file, so its values are not initialised yet here.

const category = `/v1/categories/${MISSING_ID}`;

export const CATEGORY_ROUTES: readonly ProtectedRoute[] = [
  { method: "GET", path: "/v1/categories", allowed: EVERYONE },
  { method: "POST", path: "/v1/categories", allowed: ["admin", "manager"], request: { body: {} } },
  { method: "GET", path: "/v1/categories/{id}", allowed: EVERYONE, request: { path: category } },
  {
    method: "PATCH",
    path: "/v1/categories/{id}",
    allowed: ["admin", "manager"],
    request: { path: category, body: { name: "Nothing" } },
  },
  {
    method: "DELETE",
    path: "/v1/categories/{id}",
    allowed: ["admin", "manager"],
    request: { path: category },
  },
];
