import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodesOf, planOf } from "../support/explain.ts";
import { createTeam } from "../support/factories/tickets.ts";
import { type Session, signedIn } from "../support/factories.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";
import { produce, STREAM_ENV, ticketOf } from "./stream-support.ts";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ env: STREAM_ENV });
});
afterAll(() => ctx.close());

interface Page {
  data: { id: number; type: string; ticketId: string; visibility: string }[];
  nextCursor: string | null;
  total?: number;
}

async function history(session: Session, query: string): Promise<Page> {
  const response = await ctx.app.request(`/v1/events/history${query}`, { headers: session.headers });
  expect(response.status).toBe(200);
  return (await response.json()) as Page;
}

async function world() {
  const [developer, reporter, outsider] = await Promise.all([
    signedIn(ctx, "developer"),
    signedIn(ctx, "reporter"),
    signedIn(ctx, "developer"),
  ]);
  const team = await createTeam(ctx, { members: [developer.user.id] });
  const ticket = ticketOf({ reporterId: reporter.user.id, teamId: team.id });
  const start = await produce(ctx, ticket);
  const ids = {
    created: await produce(ctx, ticket, { type: "ticket.created", publish: false }),
    internal: await produce(ctx, ticket, { type: "comment.created", visibility: "internal", publish: false }),
    other: await produce(ctx, ticketOf({ reporterId: outsider.user.id }), { publish: false }),
    comment: await produce(ctx, ticket, { type: "comment.created", publish: false }),
  };
  return { developer, reporter, outsider, team, ticket, start, ids };
}

describe("GET /v1/events/history", () => {
  it("lists the events after an id, oldest first, in pages with a cursor, with a total on request", async () => {
    const { developer, start, ids } = await world();
    const first = await history(developer.session, `?after=${start}&limit=2&count=true`);
    expect(first.data.map((event) => event.id)).toEqual([ids.created, ids.internal]);
    expect(first.total).toBe(3);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await history(developer.session, `?limit=2&cursor=${first.nextCursor}`);
    expect(second.data.map((event) => event.id)).toEqual([ids.comment]);
    expect(second.nextCursor).toBeNull();
    expect(second.total).toBeUndefined();
  });

  it("applies the stream's visibility: no internal events for reporters, no other people's tickets", async () => {
    const { reporter, outsider, start, ids } = await world();
    const ofReporter = await history(reporter.session, `?after=${start}`);
    expect(ofReporter.data.map((event) => event.id)).toEqual([ids.created, ids.comment]);
    const ofOutsider = await history(outsider.session, `?after=${start}`);
    expect(ofOutsider.data.map((event) => event.id)).toEqual([ids.other]);
  });

  it("filters by teamId and ticketId, and an admin sees everything", async () => {
    const { team, ticket, start, ids } = await world();
    const admin = await signedIn(ctx, "admin");
    const all = await history(admin.session, `?after=${start}`);
    expect(all.data.map((event) => event.id)).toEqual([ids.created, ids.internal, ids.other, ids.comment]);
    const byTeam = await history(admin.session, `?after=${start}&teamId=${team.id}`);
    expect(byTeam.data.map((event) => event.id)).toEqual([ids.created, ids.internal, ids.comment]);
    const byTicket = await history(admin.session, `?after=${start - 1}&ticketId=${ticket.id}&limit=1`);
    expect(byTicket.data.map((event) => event.id)).toEqual([start]);
  });

  it("answers 400 for a bad cursor, limit or id, and for cursor with after", async () => {
    const { developer } = await world();
    for (const query of ["?cursor=garbage", "?limit=0", "?limit=101", "?after=-3", "?after=x", "?teamId=1"]) {
      const response = await ctx.app.request(`/v1/events/history${query}`, {
        headers: developer.session.headers,
      });
      expect(response.status, query).toBe(400);
    }
    const page = await history(developer.session, "?limit=1");
    const both = await ctx.app.request(`/v1/events/history?after=1&cursor=${page.nextCursor}`, {
      headers: developer.session.headers,
    });
    expect(both.status).toBe(400);
    expect(((await both.json()) as { code: string }).code).toBe("cursor_with_after");
  });

  it("reads one page with one query that an index serves in id order, filtered or not", async () => {
    const { developer, team, ticket, start } = await world();
    for (const filter of ["", `&teamId=${team.id}`, `&ticketId=${ticket.id}`]) {
      const before = ctx.statements.length;
      await history(developer.session, `?after=${start}${filter}`);
      const reads = ctx.statements
        .slice(before)
        .filter((statement) => statement.query.includes('from "events"'));
      expect(reads).toHaveLength(1);
      const nodes = nodesOf(await planOf(ctx, reads[0] as (typeof reads)[0]));
      expect(nodes.map((node) => node["Node Type"])).not.toContain("Sort");
      expect(nodes.some((node) => node["Index Name"]?.startsWith("events_"))).toBe(true);
    }
  });
});
