import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import type { Ticket } from "../../../src/features/tickets/schemas.ts";
import { reportTicket } from "../../support/factories/tickets.ts";
import { jsonRequest, type Session, signedIn } from "../../support/factories.ts";
import { expectServiceUnavailable, loggedDuring, timed } from "../../support/faults.ts";
import { PROTECTED_ROUTES } from "../../support/route-table.ts";
import { authRequests, committedTrace, contextBehindDatabaseProxy, SCHEDULING_MARGIN_MS } from "./support.ts";

const env = { TRUST_PROXY: "true", DATABASE_CONNECT_TIMEOUT_MS: "1000", READY_TIMEOUT_MS: "500" };

describe.skipIf(!inject("postgresUrl"))("PostgreSQL refusing connections", () => {
  let setup: Awaited<ReturnType<typeof contextBehindDatabaseProxy>>;
  let admin: { user: { email: string; password: string }; session: Session };
  let ticket: Ticket;

  beforeAll(async () => {
    setup = await contextBehindDatabaseProxy({ env });
    admin = await signedIn(setup.ctx, "admin");
    ticket = await reportTicket(setup.ctx, admin.session);
  });
  afterEach(() => setup.proxy.up());
  afterAll(() => setup.close());

  const request = (path: string, init: RequestInit = {}) => {
    const requestId = crypto.randomUUID();
    const headers = { ...admin.session.headers, ...(init.headers as object), "X-Request-Id": requestId };
    return { requestId, send: () => setup.ctx.app.request(path, { ...init, headers }) };
  };

  it("reads and writes answer a 503 problem with Retry-After at once, logged once each", async () => {
    await setup.proxy.down();
    const requests = [
      request(`/v1/tickets/${ticket.id}`),
      request("/v1/tickets?limit=5"),
      request(`/v1/tickets/${ticket.id}`, jsonRequest("PATCH", { title: "Never stored" })),
      request("/v1/tickets", jsonRequest("POST", { title: "Never stored either" })),
    ];
    for (const { requestId, send } of requests) {
      const { value, lines } = await loggedDuring(setup.ctx.logs, () => timed(send));
      await expectServiceUnavailable(value.value);
      // A refused connection fails at once: nothing waits for the connect timeout.
      expect(value.ms).toBeLessThan(Number(env.DATABASE_CONNECT_TIMEOUT_MS));
      const errors = lines.filter((line) => line.requestId === requestId && line.msg !== "request");
      expect(errors.map((line) => [line.level, line.code])).toEqual([["error", "database_unavailable"]]);
    }
  });

  it("/ready answers 503 naming postgres within its deadline", async () => {
    await setup.proxy.down();
    const { value: response, ms } = await timed(() => setup.ctx.app.request("/ready"));
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({
      status: "unavailable",
      checks: { postgres: { status: "down" }, redis: { status: "up" } },
    });
    expect(ms).toBeLessThan(Number(env.READY_TIMEOUT_MS) + SCHEDULING_MARGIN_MS);
  });

  it("every documented route answers a status its document declares, 503 wherever it needs the database", async () => {
    const document = (await (await setup.ctx.app.request("/openapi.json")).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    const declared = (method: string, path: string) =>
      Object.keys(document.paths[path]?.[method.toLowerCase()]?.responses ?? {});
    const publicRoutes = Object.entries(authRequests(admin, "nobody@example.test")).map(([name, auth]) => ({
      method: "POST",
      path: `/v1/auth/${name}`,
      init: auth.init,
    }));
    const protectedRoutes = PROTECTED_ROUTES.map((route) => ({
      method: route.method,
      path: route.path,
      init: {
        method: route.method,
        headers: { ...admin.session.headers, "Content-Type": "application/json" },
        ...(route.request?.body === undefined ? {} : { body: JSON.stringify(route.request.body) }),
      },
      concretePath: route.request?.path,
    }));
    await setup.proxy.down();

    const answers: string[] = [];
    for (const route of [...publicRoutes, ...protectedRoutes]) {
      const path = "concretePath" in route && route.concretePath ? route.concretePath : route.path;
      const { value: response, ms } = await timed(() => setup.ctx.app.request(path, route.init));
      const status = String(response.status);
      expect(declared(route.method, route.path), `${route.method} ${route.path}`).toContain(status);
      expect(ms, `${route.method} ${route.path} waited`).toBeLessThan(
        Number(env.DATABASE_CONNECT_TIMEOUT_MS),
      );
      answers.push(`${route.method} ${route.path} ${status}`);
    }
    expect(answers.filter((answer) => !answer.endsWith(" 503"))).toEqual([]);
    expect(answers.length).toBeGreaterThan(45);
  });

  it("serves reads and writes again as soon as PostgreSQL is back, without a restart", async () => {
    await setup.proxy.down();
    await expectServiceUnavailable(await request(`/v1/tickets/${ticket.id}`).send());
    const acceptedBefore = setup.proxy.accepted;

    await setup.proxy.up();
    const read = await request(`/v1/tickets/${ticket.id}`).send();
    expect(read.status).toBe(200);
    const write = request(
      `/v1/tickets/${ticket.id}`,
      jsonRequest("PATCH", { title: "Stored after the outage" }),
    );
    const response = await write.send();
    expect(response.status).toBe(200);
    expect(setup.proxy.accepted).toBeGreaterThan(acceptedBefore);

    const trace = await committedTrace(setup.direct, ticket.id, write.requestId);
    expect(trace.ticket).toMatchObject({ title: "Stored after the outage", version: ticket.version + 1 });
    expect(trace.auditRows).toBe(1);
    expect((await setup.ctx.app.request("/ready")).status).toBe(200);
  });
});
