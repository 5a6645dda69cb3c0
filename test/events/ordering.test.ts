import { asc, gt, max, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/db/database.ts";
import { events } from "../../src/db/schema.ts";
import { recordEvent } from "../../src/features/events/record.ts";
import { sleep } from "../support/factories/events.ts";
import { patchTicket, reportTicket, ticketWorld } from "../support/factories/tickets.ts";
import { eventually } from "../support/faults.ts";
import { racesAreReal } from "../support/races.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";

let ctx: TestContext;
let world: Awaited<ReturnType<typeof ticketWorld>>;
beforeAll(async () => {
  ctx = await createTestContext({ env: { TRUST_PROXY: "true" } });
  world = await ticketWorld(ctx);
});
afterAll(() => ctx.close());

async function lastEventId(db: Database): Promise<number> {
  const [row] = await db.select({ id: max(events.id) }).from(events);
  return row?.id ?? 0;
}

/**
 * A client resuming with `id > lastSeen`, polling as fast as it can. If an event committed after
 * a later id was already visible, it would land below the watermark and never be seen.
 */
function startResumingReader(db: Database, from: number) {
  const seen: number[] = [];
  let watermark = from;
  let stopped = false;
  const poll = async () => {
    const rows = await db
      .select({ id: events.id })
      .from(events)
      .where(gt(events.id, watermark))
      .orderBy(asc(events.id));
    for (const row of rows) {
      seen.push(row.id);
      watermark = row.id;
    }
  };
  const loop = (async () => {
    while (!stopped) {
      await poll();
      await sleep(1);
    }
  })();
  return {
    seen,
    async stop() {
      stopped = true;
      await loop;
      await poll();
      return seen;
    },
  };
}

/** Sessions of this database blocked on a lock, as PostgreSQL reports them. */
async function sessionsWaitingForALock(db: Database): Promise<number> {
  const rows = await db.execute<{ waiting: number }>(sql`
    select count(*)::int as waiting from pg_stat_activity
    where datname = current_database() and wait_event_type = 'Lock'`);
  const list = Array.isArray(rows) ? rows : (rows as { rows: { waiting: number }[] }).rows;
  return list[0]?.waiting ?? 0;
}

async function idsAfter(db: Database, from: number): Promise<number[]> {
  const rows = await db
    .select({ id: events.id })
    .from(events)
    .where(gt(events.id, from))
    .orderBy(asc(events.id));
  return rows.map((row) => row.id);
}

describe.runIf(racesAreReal())("event ids follow commit order", () => {
  it("makes a second writer wait for the first one's commit before it gets an id", async () => {
    const ticket = await reportTicket(ctx, world.reporter.session, { categoryId: world.categoryA.id });
    const snapshot = {
      id: ticket.id,
      teamId: ticket.teamId,
      reporterId: ticket.reporterId,
      assigneeId: null,
    };
    let releaseFirst: () => void = () => {};
    const firstMayCommit = new Promise<void>((resolve) => {
      releaseFirst = resolve;
    });
    let firstId = 0;
    const first = ctx.deps.db.transaction(async (tx) => {
      firstId = await recordEvent(tx, { type: "ticket.updated", ticket: snapshot, payload: { n: 1 } });
      await firstMayCommit;
    });
    while (firstId === 0) await sleep(5);

    let secondId = 0;
    const second = ctx.deps.db.transaction(async (tx) => {
      secondId = await recordEvent(tx, { type: "ticket.updated", ticket: snapshot, payload: { n: 2 } });
    });
    const waiting = await eventually(
      () => sessionsWaitingForALock(ctx.deps.db),
      (count) => count >= 1,
      10_000,
    );
    expect(waiting, "the second writer should be blocked on the first one's lock").toBe(1);
    const idWhileFirstOpen = secondId;
    releaseFirst();
    await Promise.all([first, second]);

    expect(idWhileFirstOpen).toBe(0); // the second writer waited: the first had not committed
    expect(secondId).toBeGreaterThan(firstId);
  });

  it("commits 20 slow concurrent writers in id order, and a resuming reader misses none", async () => {
    const ticket = await reportTicket(ctx, world.reporter.session, { categoryId: world.categoryA.id });
    const snapshot = {
      id: ticket.id,
      teamId: ticket.teamId,
      reporterId: ticket.reporterId,
      assigneeId: null,
    };
    const from = await lastEventId(ctx.deps.db);
    const reader = startResumingReader(ctx.deps.db, from);

    const commitOrder: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, async (_, n) => {
        const id = await ctx.deps.db.transaction(async (tx) => {
          const eventId = await recordEvent(tx, { type: "ticket.updated", ticket: snapshot, payload: { n } });
          // A slow commit: without the lock, a later id would become visible first.
          await sleep(5 + Math.random() * 20);
          return eventId;
        });
        commitOrder.push(id);
      }),
    );

    const seen = await reader.stop();
    const all = await idsAfter(ctx.deps.db, from);
    expect(all).toHaveLength(20);
    expect(commitOrder).toEqual(all);
    expect(seen).toEqual(all);
  });

  it("keeps concurrent API updates of many tickets gap-free for a resuming reader", async () => {
    const tickets = await Promise.all(
      Array.from({ length: 20 }, () =>
        reportTicket(ctx, world.reporter.session, { categoryId: world.categoryA.id }),
      ),
    );
    const from = await lastEventId(ctx.deps.db);
    const reader = startResumingReader(ctx.deps.db, from);

    const responses = await Promise.all(
      tickets.map((ticket, n) =>
        patchTicket(ctx, world.managerA.session, ticket.id, {
          title: `Concurrent ${n}`,
          status: "in_progress",
        }),
      ),
    );
    const seen = await reader.stop();
    expect(responses.map((response) => response.status)).toEqual(tickets.map(() => 200));

    const all = await idsAfter(ctx.deps.db, from);
    // ticket.updated + ticket.status_changed each, and the reporter's notification.created (they watch it)
    expect(all).toHaveLength(60);
    expect(seen).toEqual(all);
  });
});
