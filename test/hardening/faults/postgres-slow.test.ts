import postgres from "postgres";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import type { Ticket } from "../../../src/features/tickets/schemas.ts";
import { reportTicket } from "../../support/factories/tickets.ts";
import { freshIp, jsonRequest, type Session, signedIn } from "../../support/factories.ts";
import { expectServiceUnavailable, loggedDuring, timed } from "../../support/faults.ts";
import { committedTrace, contextBehindDatabaseProxy, SCHEDULING_MARGIN_MS } from "./support.ts";

const env = {
  TRUST_PROXY: "true",
  DATABASE_STATEMENT_TIMEOUT_MS: "400",
  DATABASE_CONNECT_TIMEOUT_MS: "500",
  READY_TIMEOUT_MS: "500",
};
const ms = (key: keyof typeof env) => Number(env[key]);

describe.skipIf(!inject("postgresUrl"))("a slow PostgreSQL", () => {
  let setup: Awaited<ReturnType<typeof contextBehindDatabaseProxy>>;
  let reporter: { session: Session };
  let ticket: Ticket;

  beforeAll(async () => {
    setup = await contextBehindDatabaseProxy({ env });
    reporter = await signedIn(setup.ctx, "reporter");
  });
  beforeEach(async () => {
    ticket = await reportTicket(setup.ctx, reporter.session);
  });
  afterEach(() => {
    setup.proxy.latencyMs = 0;
  });
  afterAll(() => setup.close());

  const requestTicket = (init: RequestInit = {}) => {
    const requestId = crypto.randomUUID();
    const headers = { ...reporter.session.headers, ...(init.headers as object), "X-Request-Id": requestId };
    return { requestId, send: () => setup.ctx.app.request(`/v1/tickets/${ticket.id}`, { ...init, headers }) };
  };

  it("cancels a write stuck behind a lock at the statement timeout: 503, nothing written", async () => {
    const locker = postgres(setup.ctx.directDatabaseUrl ?? "", { max: 1, onnotice: () => {} });
    const lock = await locker.reserve();
    try {
      await lock`begin`;
      await lock`select id from tickets where id = ${ticket.id} for update`;
      const write = requestTicket(jsonRequest("PATCH", { title: "Behind a lock" }));

      const { value, lines } = await loggedDuring(setup.ctx.logs, () => timed(write.send));

      await expectServiceUnavailable(value.value);
      // It waited for the lock until PostgreSQL cancelled it, not a moment longer.
      expect(value.ms).toBeGreaterThanOrEqual(ms("DATABASE_STATEMENT_TIMEOUT_MS") - 50);
      expect(value.ms).toBeLessThan(ms("DATABASE_STATEMENT_TIMEOUT_MS") + SCHEDULING_MARGIN_MS);
      const errors = lines.filter((line) => line.requestId === write.requestId && line.msg !== "request");
      expect(errors.map((line) => line.code)).toEqual(["database_timeout"]);
      // Readers do not wait for a row lock.
      const { value: read, ms: readMs } = await timed(requestTicket().send);
      expect(read.status).toBe(200);
      expect(readMs).toBeLessThan(ms("DATABASE_STATEMENT_TIMEOUT_MS"));
      await lock`rollback`;
      const trace = await committedTrace(setup.direct, ticket.id, write.requestId);
      expect(trace).toMatchObject({ ticket: { title: ticket.title, version: ticket.version }, auditRows: 0 });
    } finally {
      lock.release();
      await locker.end({ timeout: 1 });
    }
    expect((await requestTicket(jsonRequest("PATCH", { title: "Lock released" })).send()).status).toBe(200);
  });

  it("gives up opening a connection over a link slower than the connect timeout: 503", async () => {
    // A context of its own, whose pool has not connected yet: the first statement must connect.
    const fresh = await contextBehindDatabaseProxy({ env });
    try {
      fresh.proxy.latencyMs = 10 * ms("DATABASE_CONNECT_TIMEOUT_MS");
      const requestId = crypto.randomUUID();
      const attempt = () =>
        fresh.ctx.app.request(
          "/v1/auth/login",
          jsonRequest(
            "POST",
            { email: "nobody@example.test", password: "not the password" },
            { "X-Forwarded-For": freshIp(), "X-Request-Id": requestId },
          ),
        );

      const { value, lines } = await loggedDuring(fresh.ctx.logs, () => timed(attempt));

      await expectServiceUnavailable(value.value);
      expect(value.ms).toBeLessThan(ms("DATABASE_CONNECT_TIMEOUT_MS") + SCHEDULING_MARGIN_MS);
      const errors = lines.filter((line) => line.requestId === requestId && line.msg !== "request");
      expect(errors.map((line) => line.code)).toEqual(["database_unavailable"]);
      fresh.proxy.latencyMs = 0;
      expect((await attempt()).status).toBe(401);
    } finally {
      await fresh.close();
    }
  });

  it("/ready reports postgres down within its deadline when a round trip takes longer", async () => {
    setup.proxy.latencyMs = ms("READY_TIMEOUT_MS");
    const { value: response, ms: elapsed } = await timed(() => setup.ctx.app.request("/ready"));
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({
      checks: { postgres: { status: "down" }, redis: { status: "up" } },
    });
    expect(elapsed).toBeLessThan(ms("READY_TIMEOUT_MS") + SCHEDULING_MARGIN_MS);
  });
});
