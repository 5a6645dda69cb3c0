import { describe, expect, it } from "vitest";
import { ROLES } from "../../src/features/users/schemas.ts";
import { freshIp } from "../support/factories.ts";
import { PROTECTED_ROUTES, type ProtectedRoute } from "../support/route-table.ts";
import { signedIn } from "./support/accounts.ts";
import { workerFetch } from "./support/requests.ts";

function send(route: ProtectedRoute, headers: Record<string, string>): Promise<Response> {
  const body = route.request?.body;
  return workerFetch(route.request?.path ?? route.path, {
    method: route.method,
    headers: body === undefined ? headers : { ...headers, "Content-Type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

// The same table as the Node suite's role matrix, imported: one list of who may call what.
describe("role matrix inside workerd", () => {
  describe.each(PROTECTED_ROUTES.map((route) => [`${route.method} ${route.path}`, route] as const))(
    "%s",
    (_name, route) => {
      it("anonymous → 401 with WWW-Authenticate", async () => {
        const response = await send(route, { "CF-Connecting-IP": freshIp() });
        expect(response.status).toBe(401);
        expect(response.headers.get("WWW-Authenticate")).toMatch(/^Bearer/);
        expect(response.headers.get("Content-Type")).toBe("application/problem+json");
      });

      it.each(ROLES)("%s", async (role) => {
        // A fresh user and session per case: some routes (logout, password) end sessions.
        const { session } = await signedIn(role);
        const response = await send(route, session.headers);
        if (route.allowed.includes(role)) {
          expect([401, 403]).not.toContain(response.status);
          expect(response.status).toBeLessThan(500);
        } else {
          expect(response.status).toBe(403);
          expect(((await response.json()) as { code: string }).code).toBe("role_forbidden");
        }
      });
    },
  );

  it("covers every route the Worker's OpenAPI document marks as protected", async () => {
    const document = (await (await workerFetch("/openapi.json")).json()) as {
      paths: Record<string, Record<string, { security?: unknown[] }>>;
    };
    const documented = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.entries(operations)
        .filter(([, operation]) => (operation.security?.length ?? 0) > 0)
        .map(([method]) => `${method.toUpperCase()} ${path}`),
    );
    const tabled = PROTECTED_ROUTES.map((route) => `${route.method} ${route.path}`);
    expect(new Set(tabled)).toEqual(new Set(documented));
  });
});
