import { beforeAll, describe, expect, it } from "vitest";
import { ROLES } from "../../src/features/users/schemas.ts";
import { freshIp, type Session } from "../support/factories.ts";
import {
  type Api,
  PROTECTED_ROUTES,
  type Prepared,
  type ProtectedRoute,
  requestFor,
} from "../support/route-table.ts";
import { createUser, signedIn } from "./support/accounts.ts";
import { workerFetch } from "./support/requests.ts";

/** Sends the request and reads the status; a stream's body is cancelled once its status is known. */
async function send(route: ProtectedRoute, request: Prepared, headers: Record<string, string>) {
  const response = await workerFetch(request.path, {
    method: route.method,
    headers: request.body === undefined ? headers : { ...headers, "Content-Type": "application/json" },
    ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
  });
  const streaming = response.headers.get("Content-Type")?.startsWith("text/event-stream");
  const text = streaming ? "" : await response.text();
  if (streaming) await response.body?.cancel().catch(() => {});
  return { status: response.status, headers: response.headers, text };
}

// The same table as the Node suite's role matrix, imported: one list of who may call what, each
// allowed role on resources it is entitled to, and each team-scoped refusal.
describe("role matrix inside workerd", () => {
  describe.each(PROTECTED_ROUTES.map((route) => [`${route.method} ${route.path}`, route] as const))(
    "%s",
    (_name, route) => {
      let admin: Session;
      const api: Api = {
        send: workerFetch,
        get admin() {
          return admin;
        },
        user: (role) => createUser({ role }),
      };
      beforeAll(async () => {
        admin = (await signedIn("admin")).session;
      });

      it("anonymous → 401 with WWW-Authenticate", async () => {
        const response = await send(route, await requestFor(route, api, null), {
          "CF-Connecting-IP": freshIp(),
        });
        expect(response.status).toBe(401);
        expect(response.headers.get("WWW-Authenticate")).toMatch(/^Bearer/);
        expect(response.headers.get("Content-Type")).toBe("application/problem+json");
      });

      it.each(ROLES)("%s", async (role) => {
        // A fresh user and session per case: some routes (logout, password) end sessions.
        const caller = await signedIn(role);
        const response = await send(route, await requestFor(route, api, caller), caller.session.headers);
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
