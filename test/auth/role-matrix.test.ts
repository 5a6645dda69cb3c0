import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROLES, type Role } from "../../src/features/users/schemas.ts";
import { createUser, login, type Session } from "../support/factories.ts";
import {
  type Api,
  type Caller,
  PROTECTED_ROUTES,
  type Prepared,
  type ProtectedRoute,
  requestFor,
} from "../support/route-table.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ env: { TRUST_PROXY: "true" } });
});
afterAll(() => ctx.close());

async function signedIn(role: Role): Promise<Caller> {
  const user = await createUser(ctx, { role });
  return { user, session: await login(ctx, user) };
}

/** Sends the request and reads the status; a stream's body is cancelled once its status is known. */
async function send(route: ProtectedRoute, request: Prepared, headers: Record<string, string>) {
  const abort = new AbortController();
  const response = await ctx.app.request(request.path, {
    method: route.method,
    headers: request.body === undefined ? headers : { ...headers, "Content-Type": "application/json" },
    signal: abort.signal,
    ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
  });
  const streaming = response.headers.get("Content-Type")?.startsWith("text/event-stream");
  const text = streaming ? "" : await response.text();
  if (streaming) {
    abort.abort();
    await response.body?.cancel().catch(() => {});
  }
  return { status: response.status, headers: response.headers, text };
}

describe("role matrix", () => {
  describe.each(PROTECTED_ROUTES.map((route) => [`${route.method} ${route.path}`, route] as const))(
    "%s",
    (_name, route) => {
      // One admin per route builds its resources (each has its own write rate-limit window).
      let admin: Session;
      const api: Api = {
        send: async (path, init) => ctx.app.request(path, init),
        get admin() {
          return admin;
        },
        user: (role) => createUser(ctx, { role }),
      };
      beforeAll(async () => {
        admin = (await signedIn("admin")).session;
      });

      it("anonymous → 401 with WWW-Authenticate", async () => {
        const response = await send(route, await requestFor(route, api, null), {});
        expect(response.status).toBe(401);
        expect(response.headers.get("WWW-Authenticate")).toMatch(/^Bearer/);
      });

      it.each(ROLES)("%s", async (role) => {
        // A fresh user and session per case: some routes (logout, password) end sessions.
        const caller = await signedIn(role);
        const request = await requestFor(route, api, caller);
        const response = await send(route, request, caller.session.headers);
        if (route.allowed.includes(role)) {
          expect(response.status, response.text).toBe(route.success);
        } else {
          expect(response.status, response.text).toBe(403);
          expect(JSON.parse(response.text).code).toBe("role_forbidden");
        }
      });

      const outsider = route.outsider;
      if (outsider) {
        it(`${outsider.role} of another team → ${outsider.status} ${outsider.code}`, async () => {
          const caller = await signedIn(outsider.role);
          const response = await send(route, await outsider.prepare(api, caller), caller.session.headers);
          expect(response.status, response.text).toBe(outsider.status);
          expect(JSON.parse(response.text).code).toBe(outsider.code);
        });
      }
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
