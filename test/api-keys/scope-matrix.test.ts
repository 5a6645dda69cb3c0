import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_KEY_SCHEME, API_KEY_SCOPES } from "../../src/features/api-keys/scopes.ts";
import type { Role } from "../../src/features/users/schemas.ts";
import { createUser, login, type Session } from "../support/factories.ts";
import {
  type Api,
  type Caller,
  PROTECTED_ROUTES,
  type ProtectedRoute,
  requestFor,
} from "../support/route-table.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";
import { createKey, keyHeaders } from "./support.ts";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ env: { TRUST_PROXY: "true" } });
});
afterAll(() => ctx.close());

async function signedIn(role: Role): Promise<Caller> {
  const user = await createUser(ctx, { role });
  return { user, session: await login(ctx, user) };
}

/** The status and code of a request made with a key; a stream's body is cancelled at once. */
async function sendWithKey(route: ProtectedRoute, request: { path: string; body?: unknown }, key: string) {
  const abort = new AbortController();
  const headers = keyHeaders(key);
  const response = await ctx.app.request(request.path, {
    method: route.method,
    headers: request.body === undefined ? headers : { ...headers, "Content-Type": "application/json" },
    signal: abort.signal,
    ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
  });
  if (response.headers.get("Content-Type")?.startsWith("text/event-stream")) {
    abort.abort();
    await response.body?.cancel().catch(() => {});
    return { status: response.status, text: "" };
  }
  return { status: response.status, text: await response.text() };
}

describe("API key scopes, from the route table", () => {
  it("documents each route's scope (or none) exactly as the table says, and the scopes as an enum", async () => {
    const document = (await (await ctx.app.request("/openapi.json")).json()) as {
      paths: Record<string, Record<string, { security?: Record<string, string[]>[] }>>;
      components: { schemas: Record<string, { enum?: string[] }>; securitySchemes: Record<string, unknown> };
    };
    const documented = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.entries(operations)
        .filter(([, operation]) => (operation.security?.length ?? 0) > 0)
        .map(([method, operation]) => {
          const requirement = operation.security?.find((entry) => API_KEY_SCHEME in entry);
          return [`${method.toUpperCase()} ${path}`, requirement?.[API_KEY_SCHEME] ?? null] as const;
        }),
    );
    const tabled = PROTECTED_ROUTES.map(
      (route) => [`${route.method} ${route.path}`, route.scope === null ? null : [route.scope]] as const,
    );
    expect(Object.fromEntries(documented)).toEqual(Object.fromEntries(tabled));
    expect(document.components.schemas.ApiKeyScope?.enum).toEqual([...API_KEY_SCOPES]);
    expect(Object.keys(document.components.securitySchemes)).toContain(API_KEY_SCHEME);
  });

  describe.each(PROTECTED_ROUTES.map((route) => [`${route.method} ${route.path}`, route] as const))(
    "%s",
    (_name, route) => {
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

      const role = route.allowed.includes("admin") ? "admin" : (route.allowed[0] as Role);
      const expectedCode = route.scope === null ? "api_key_not_allowed" : "scope_forbidden";
      const title =
        route.scope === null
          ? `refuses every key (403 ${expectedCode})`
          : `needs ${route.scope}: 403 ${expectedCode} without it, ${route.success} with only it`;

      it(title, async () => {
        const caller = await signedIn(role);
        const request = await requestFor(route, api, caller);
        const others = API_KEY_SCOPES.filter((scope) => scope !== route.scope);
        const without = await createKey(ctx, caller.session, { scopes: others });

        const refused = await sendWithKey(route, request, without.key);
        expect(refused.status, refused.text).toBe(403);
        expect(JSON.parse(refused.text).code).toBe(expectedCode);

        if (route.scope === null) return;
        const only = await createKey(ctx, caller.session, { scopes: [route.scope] });
        const allowed = await sendWithKey(route, request, only.key);
        expect(allowed.status, allowed.text).toBe(route.success);
      });
    },
  );
});
