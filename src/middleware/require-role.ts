import { createMiddleware } from "hono/factory";
import type { AppEnv, Auth } from "../app-env.ts";
import { invalidToken } from "../features/auth/access-tokens.ts";
import { ForbiddenError } from "../lib/errors.ts";

type Role = Auth["role"];
const KNOWN_ROLES: readonly Role[] = ["admin", "manager", "developer", "reporter"];

/** Lets only the given roles through: 401 without authentication, 403 for any other role. */
export function requireRole(...roles: Role[]) {
  if (roles.length === 0) throw new Error("requireRole needs at least one role");
  for (const role of roles) {
    if (!KNOWN_ROLES.includes(role)) throw new Error(`requireRole: unknown role ${role}`);
  }
  const allowed = new Set(roles);
  return createMiddleware<AppEnv>(async function requireRole(c, next) {
    const auth = c.get("auth");
    if (!auth) throw invalidToken();
    if (!allowed.has(auth.role)) {
      throw new ForbiddenError(
        `This action needs one of these roles: ${roles.join(", ")}.`,
        "role_forbidden",
      );
    }
    await next();
  });
}
