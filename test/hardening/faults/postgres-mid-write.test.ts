import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import type { Ticket } from "../../../src/features/tickets/schemas.ts";
import { reportTicket } from "../../support/factories/tickets.ts";
import { jsonRequest, type Session, signedIn } from "../../support/factories.ts";
import { eventually, expectServiceUnavailable } from "../../support/faults.ts";
import { committedTrace, contextBehindDatabaseProxy, noOpenTransactions } from "./support.ts";

/**
 * Where a write transaction loses its connection. Both points come after the change itself was
 * sent inside the transaction: the proxy cuts every connection the moment the app is about to
 * send the named statement, so nothing after it (nor the COMMIT) ever reaches the server.
 */
const CUT_POINTS = [
  { name: "after the change, before its audit row", statement: /^insert into "audit_log"/ },
  {
    name: "after the change and its audit row, before its event",
    statement: /^\s*with ordered as \(select pg_advisory_xact_lock\(\$1\)\)\s+insert into "events"/,
  },
];

let setup: Awaited<ReturnType<typeof contextBehindDatabaseProxy>>;
let reporter: { session: Session };
/** Armed by a test: the next statement matching it cuts every connection before it is sent. */
let cutBefore: RegExp | undefined;
let cuts = 0;

beforeAll(async () => {
  if (!inject("postgresUrl")) return;
  setup = await contextBehindDatabaseProxy({
    env: { TRUST_PROXY: "true" },
    onQuery(query) {
      if (!cutBefore?.test(query)) return;
      cutBefore = undefined;
      cuts += 1;
      setup.proxy.cut();
    },
  });
  reporter = await signedIn(setup.ctx, "reporter");
});
beforeEach(() => {
  cuts = 0;
});
afterAll(() => setup?.close());

describe.skipIf(!inject("postgresUrl")).each(CUT_POINTS)("a connection cut $name", ({ statement }) => {
  let ticket: Ticket;
  beforeEach(async () => {
    ticket = await reportTicket(setup.ctx, reporter.session);
  });

  it("fails PATCH /v1/tickets/:id with 503 and leaves the ticket, its audit log and outbox as they were", async () => {
    const before = await committedTrace(setup.direct, ticket.id, "none");
    const requestId = crypto.randomUUID();
    cutBefore = statement;

    const patchTitle = (title: string) =>
      setup.ctx.app.request(
        `/v1/tickets/${ticket.id}`,
        jsonRequest("PATCH", { title }, { ...reporter.session.headers, "X-Request-Id": requestId }),
      );

    const response = await patchTitle("Half-written");

    expect(cuts).toBe(1);
    await expectServiceUnavailable(response);
    const logged = setup.ctx.logs.filter((line) => line.requestId === requestId && line.msg !== "request");
    expect(logged.map((line) => line.code)).toEqual(["database_unavailable"]);
    expect(await eventually(() => noOpenTransactions(setup.direct), Boolean)).toBe(true);
    const after = await committedTrace(setup.direct, ticket.id, requestId);
    expect(after).toEqual({ ticket: before.ticket, auditRows: 0, events: before.events });

    // The same app, on fresh connections, then writes the change and its traces together.
    const retry = await patchTitle("Written whole");
    expect(retry.status).toBe(200);
    expect(await committedTrace(setup.direct, ticket.id, requestId)).toEqual({
      ticket: { title: "Written whole", version: ticket.version + 1 },
      auditRows: 1,
      events: (before.events ?? 0) + 1,
    });
  });

  it("fails POST /v1/tickets with 503 and leaves no ticket, audit row or event behind", async () => {
    const requestId = crypto.randomUUID();
    const title = `Never filed ${requestId}`;
    cutBefore = statement;

    const response = await setup.ctx.app.request(
      "/v1/tickets",
      jsonRequest("POST", { title }, { ...reporter.session.headers, "X-Request-Id": requestId }),
    );

    expect(cuts).toBe(1);
    await expectServiceUnavailable(response);
    expect(await eventually(() => noOpenTransactions(setup.direct), Boolean)).toBe(true);
    const [left] = await setup.direct<{ tickets: number; audit: number; events: number }[]>`
      select (select count(*)::int from tickets where title = ${title}) as tickets,
             (select count(*)::int from audit_log where request_id = ${requestId}) as audit,
             (select count(*)::int from events where payload->>'title' = ${title}) as events`;
    expect(left).toEqual({ tickets: 0, audit: 0, events: 0 });
  });
});
