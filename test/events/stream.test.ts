import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTeam } from "../support/factories/tickets.ts";
import { signedIn } from "../support/factories.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";
import { DELIVERY_MS, openStream, produce, STREAM_ENV, ticketOf } from "./stream-support.ts";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ env: STREAM_ENV });
});
afterAll(() => ctx.close());

/** A team with a developer and a manager leading it, and a reporter outside it. */
async function world() {
  const [developer, manager, reporter, outsider] = await Promise.all([
    signedIn(ctx, "developer"),
    signedIn(ctx, "manager"),
    signedIn(ctx, "reporter"),
    signedIn(ctx, "developer"),
  ]);
  const team = await createTeam(ctx, { leads: [manager.user.id], members: [developer.user.id] });
  const otherTeam = await createTeam(ctx, { members: [outsider.user.id] });
  return { developer, manager, reporter, outsider, team, otherTeam };
}

describe("GET /v1/events", () => {
  it("sends another user's changes live by pub/sub, in order, as id/event/data messages", async () => {
    const { developer, reporter, team } = await world();
    const stream = await openStream(ctx, developer.session.headers);
    try {
      expect(stream.messages[0]?.retry).toBeGreaterThan(0);
      const ticket = ticketOf({ reporterId: reporter.user.id, teamId: team.id });
      const ids = [
        await produce(ctx, ticket, { type: "ticket.created" }),
        await produce(ctx, ticket, { type: "ticket.status_changed" }),
        await produce(ctx, ticket, { type: "comment.created", visibility: "internal" }),
      ];
      await stream.until((sse) => sse.events().length >= 3, DELIVERY_MS);
      expect(stream.ids()).toEqual(ids);
      const [first] = stream.messages.filter((message) => message.event);
      expect(first).toMatchObject({ id: String(ids[0]), event: "ticket.created" });
      expect(JSON.parse(first?.data ?? "")).toMatchObject({
        id: ids[0],
        type: "ticket.created",
        ticketId: ticket.id,
        teamId: team.id,
        reporterId: reporter.user.id,
        assigneeId: null,
        visibility: "public",
        payload: { id: ticket.id },
      });
      // The poll comes after the stream ends (STREAM_ENV): these came by pub/sub, which never failed.
      const trouble = ctx.logs.filter((line) => String(line.code).startsWith("event_subscription"));
      expect(trouble).toEqual([]);
    } finally {
      await stream.close();
    }
  });

  it("after a reconnect with Last-Event-ID replays exactly the missed events, once each, then goes on live", async () => {
    const { developer, reporter, team } = await world();
    const ticket = ticketOf({ reporterId: reporter.user.id, teamId: team.id });
    const first = await openStream(ctx, developer.session.headers);
    const seen = await produce(ctx, ticket);
    await first.until((sse) => sse.events().length === 1);
    await first.close();

    const missed = [await produce(ctx, ticket), await produce(ctx, ticket), await produce(ctx, ticket)];
    await produce(ctx, ticketOf({ reporterId: reporter.user.id })); // not the developer's
    const again = await openStream(ctx, { ...developer.session.headers, "Last-Event-ID": String(seen) });
    try {
      expect(again.ids()).toEqual(missed);
      const next = await produce(ctx, ticket);
      // Sent in id order: a duplicate of `next` (on the team and user channels) would come first.
      const marker = await produce(ctx, ticket);
      await again.until(() => again.ids().includes(marker), DELIVERY_MS);
      expect(again.ids()).toEqual([...missed, next, marker]);
    } finally {
      await again.close();
    }
  });

  it("resumes from ?lastEventId= too, and the header wins when both are sent", async () => {
    const { developer, reporter, team } = await world();
    const ticket = ticketOf({ reporterId: reporter.user.id, teamId: team.id });
    const [a, b, c] = [await produce(ctx, ticket), await produce(ctx, ticket), await produce(ctx, ticket)];
    const byQuery = await openStream(ctx, developer.session.headers, `?lastEventId=${a}`);
    await byQuery.close();
    expect(byQuery.ids()).toEqual([b, c]);
    const both = await openStream(
      ctx,
      { ...developer.session.headers, "Last-Event-ID": String(b) },
      `?lastEventId=${a}`,
    );
    await both.close();
    expect(both.ids()).toEqual([c]);
  });

  it("delivers an event published late or never (the table is the source of truth), in id order", async () => {
    const { developer, reporter, team } = await world();
    const ticket = ticketOf({ reporterId: reporter.user.id, teamId: team.id });
    const stream = await openStream(ctx, developer.session.headers);
    try {
      const unpublished = await produce(ctx, ticket, { publish: false });
      const published = await produce(ctx, ticket);
      await stream.until((sse) => sse.events().length === 2, DELIVERY_MS);
      expect(stream.ids()).toEqual([unpublished, published]);
    } finally {
      await stream.close();
    }
  });

  it("never sends a reporter internal events or other people's tickets, live or replayed", async () => {
    const { developer, reporter, team } = await world();
    const otherReporter = await signedIn(ctx, "reporter");
    const own = ticketOf({ reporterId: reporter.user.id, teamId: team.id, assigneeId: developer.user.id });
    const before = await produce(ctx, own);
    const stream = await openStream(ctx, reporter.session.headers, `?lastEventId=${before - 1}`);
    let sentinel = 0;
    try {
      await produce(ctx, own, { type: "comment.created", visibility: "internal" });
      await produce(ctx, ticketOf({ reporterId: otherReporter.user.id, teamId: team.id }));
      sentinel = await produce(ctx, own, { type: "comment.created" });
      await stream.until(() => stream.ids().includes(sentinel), DELIVERY_MS);
      expect(stream.ids()).toEqual([before, sentinel]);
    } finally {
      await stream.close();
    }
    const replay = await openStream(ctx, reporter.session.headers, `?lastEventId=${before - 1}`);
    await replay.close();
    expect(replay.ids()).toEqual([before, sentinel]);
  });

  it("keeps another team's events from a developer outside it; managers see the teams they lead", async () => {
    const { developer, manager, outsider, reporter, team, otherTeam } = await world();
    const streams = await Promise.all([
      openStream(ctx, developer.session.headers),
      openStream(ctx, manager.session.headers),
      openStream(ctx, outsider.session.headers),
    ]);
    const [ofDeveloper, ofManager, ofOutsider] = streams;
    try {
      const ours = await produce(ctx, ticketOf({ reporterId: reporter.user.id, teamId: team.id }));
      const theirs = await produce(ctx, ticketOf({ reporterId: reporter.user.id, teamId: otherTeam.id }));
      const assigned = await produce(
        ctx,
        ticketOf({ reporterId: reporter.user.id, teamId: otherTeam.id, assigneeId: developer.user.id }),
      );
      await ofDeveloper.until((sse) => sse.events().length === 2, DELIVERY_MS);
      await ofOutsider.until((sse) => sse.events().length === 2, DELIVERY_MS);
      await ofManager.until((sse) => sse.events().length === 1, DELIVERY_MS);
      expect(ofDeveloper.ids()).toEqual([ours, assigned]);
      expect(ofOutsider.ids()).toEqual([theirs, assigned]);
      expect(ofManager.ids()).toEqual([ours]);
    } finally {
      await Promise.all(streams.map((stream) => stream.close()));
    }
  });

  it("lets an admin see every team, and filters by teamId and ticketId", async () => {
    const { reporter, team, otherTeam } = await world();
    const admin = await signedIn(ctx, "admin");
    const ticket = ticketOf({ reporterId: reporter.user.id, teamId: team.id });
    const start = await produce(ctx, ticket);
    const teamIds = [
      await produce(ctx, ticket),
      await produce(ctx, ticketOf({ reporterId: reporter.user.id, teamId: otherTeam.id })),
      await produce(ctx, ticketOf({ reporterId: reporter.user.id })),
    ];
    const all = await openStream(ctx, admin.session.headers, `?lastEventId=${start}`);
    const byTeam = await openStream(
      ctx,
      admin.session.headers,
      `?lastEventId=${start}&teamId=${otherTeam.id}`,
    );
    const byTicket = await openStream(
      ctx,
      admin.session.headers,
      `?lastEventId=${start - 1}&ticketId=${ticket.id}`,
    );
    await Promise.all([all.close(), byTeam.close(), byTicket.close()]);
    expect(all.ids()).toEqual(teamIds);
    expect(byTeam.ids()).toEqual([teamIds[1]]);
    expect(byTicket.ids()).toEqual([start, teamIds[0]]);
  });

  it("answers 400 for a bad Last-Event-ID or filter", async () => {
    const { developer } = await world();
    for (const query of ["?lastEventId=abc", "?teamId=nope", "?ticketId=1"]) {
      const response = await ctx.app.request(`/v1/events${query}`, { headers: developer.session.headers });
      expect(response.status).toBe(400);
    }
    const header = await ctx.app.request("/v1/events", {
      headers: { ...developer.session.headers, "Last-Event-ID": "-1" },
    });
    expect(header.status).toBe(400);
  });
});
