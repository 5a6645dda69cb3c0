import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { reportTicket } from "../../support/factories/tickets.ts";
import { jsonRequest, type Session, signedIn } from "../../support/factories.ts";
import { FaultProxy } from "../../support/fault-proxy.ts";
import { eventually, timed } from "../../support/faults.ts";
import { contextBehindDatabaseProxy, SCHEDULING_MARGIN_MS } from "./support.ts";

/** Long enough that the database connection's loss is seen before Redis answers the publish. */
const REDIS_LATENCY_MS = 200;

describe.skipIf(!inject("postgresUrl"))("a connection lost while a transaction awaits Redis", () => {
  let redisProxy: FaultProxy;
  let setup: Awaited<ReturnType<typeof contextBehindDatabaseProxy>>;
  let reporter: { session: Session };
  const crashes: unknown[] = [];
  const recordCrash = (error: unknown) => crashes.push(error);

  beforeAll(async () => {
    redisProxy = await FaultProxy.start(inject("gatewayUrl"));
    setup = await contextBehindDatabaseProxy({
      env: { TRUST_PROXY: "true" },
      redisUrl: redisProxy.urlFor(inject("gatewayUrl")),
    });
    reporter = await signedIn(setup.ctx, "reporter");
    process.on("uncaughtException", recordCrash);
  });
  afterAll(async () => {
    process.off("uncaughtException", recordCrash);
    await setup.close();
    await redisProxy.close();
  });

  const unpublished = async (ticketId: string) => {
    const rows = await setup.direct<{ type: string }[]>`
      select type from events where ticket_id = ${ticketId} and published_at is null order by id`;
    return rows.map((row) => row.type);
  };

  it("neither crashes the process nor writes outside the transaction, and the pool keeps serving", async () => {
    const ticket = await reportTicket(setup.ctx, reporter.session);
    expect(
      await eventually(
        () => unpublished(ticket.id),
        (types) => types.length === 0,
      ),
    ).toEqual([]);
    // The outbox publish of the next change: SELECT … FOR UPDATE, then Redis PUBLISH, then UPDATE
    // published_at, all in one transaction. Its connection is cut while it waits for Redis.
    let cuts = 0;
    redisProxy.onClientData = (chunk) => {
      if (cuts > 0 || !chunk.includes('"publish"')) return;
      cuts += 1;
      setup.proxy.cut();
    };
    redisProxy.latencyMs = REDIS_LATENCY_MS;
    const failedBefore = publishFailures(setup.ctx.logs);

    const patch = await setup.ctx.app.request(
      `/v1/tickets/${ticket.id}`,
      jsonRequest("PATCH", { title: "Published while the database drops" }, reporter.session.headers),
    );
    expect(patch.status).toBe(200);
    await eventually(
      async () => publishFailures(setup.ctx.logs),
      (failures) => failures > failedBefore,
    );
    redisProxy.onClientData = undefined;
    redisProxy.latencyMs = 0;

    expect(cuts).toBe(1);
    // Settle what the lost transaction would have sent next, had nothing stopped it.
    await new Promise((resolve) => setTimeout(resolve, 2 * REDIS_LATENCY_MS));
    expect(crashes).toEqual([]);
    expect(await unpublished(ticket.id)).toEqual(["ticket.updated"]);
    const { value: read, ms } = await timed(() =>
      setup.ctx.app.request(`/v1/tickets/${ticket.id}`, { headers: reporter.session.headers }),
    );
    expect(read.status).toBe(200);
    expect(ms).toBeLessThan(SCHEDULING_MARGIN_MS);
  });
});

function publishFailures(logs: Record<string, unknown>[]): number {
  return logs.filter((line) => line.code === "event_publish_failed").length;
}
