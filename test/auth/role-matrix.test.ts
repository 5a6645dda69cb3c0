import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROLES } from "../../src/features/users/schemas.ts";
import { createUser, login } from "../support/factories.ts";
import { PROTECTED_ROUTES, type ProtectedRoute } from "../support/route-table.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ env: { TRUST_PROXY: "true" } });
});
afterAll(() => ctx.close());

function send(route: ProtectedRoute, headers: Record<string, string>) {
  const body = route.request?.body;
  return ctx.app.request(route.request?.path ?? route.path, {
    method: route.method,
    headers: body === undefined ? headers : { ...headers, "Content-Type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

describe("role matrix", () => {
  describe.each(PROTECTED_ROUTES.map((route) => [`${route.method} ${route.path}`, route] as const))(
    "%s",
    (_name, route) => {
      it("anonymous → 401 with WWW-Authenticate", async () => {
        const response = await send(route, {});
        expect(response.status).toBe(401);
        expect(response.headers.get("WWW-Authenticate")).toMatch(/^Bearer/);
      });

      it.each(ROLES)("%s", async (role) => {
        // A fresh user and session per case: some routes (logout, password) end sessions.
        const session = await login(ctx, await createUser(ctx, { role }));
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

  it("covers every route the OpenAPI document marks as protected", async () => {
    const document = (await (await ctx.app.request("/openapi.json")).json()) as {
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
