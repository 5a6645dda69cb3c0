import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { createRedisClient } from "../../src/adapters/redis.ts";
import { ConfigSchema } from "../../src/config/schema.ts";
import { teamChannel, userChannel } from "../../src/features/events/channels.ts";
import { jsonRequest, type Session } from "../support/factories.ts";
import { readSse } from "../support/sse.ts";
import { signedIn } from "./support/accounts.ts";
import { workerFetch } from "./support/requests.ts";

const bindings = env as unknown as Record<string, string>;
/** How often the Worker's open streams re-read their viewer and poll the table. */
const RECHECK_MS = ConfigSchema.shape.EVENT_RECHECK_SECONDS.parse(bindings.EVENT_RECHECK_SECONDS) * 1000;
/**
 * How long a test waits for a live event: generous for a busy machine, and well before a stream's
 * first table poll, so an event that arrives in time came through pub/sub.
 */
const DELIVERY_MS = RECHECK_MS / 2;
// Straight to the gateway the Worker uses, to count subscribers as Redis sees them.
const redis = createRedisClient({
  url: bindings.UPSTASH_REDIS_REST_URL ?? "",
  token: bindings.UPSTASH_REDIS_REST_TOKEN ?? "",
});
const subscribersOf = async (channel: string) =>
  Number((await redis.exec<[string, number]>(["PUBSUB", "NUMSUB", channel]))[1]);

let admin: Session;
beforeAll(async () => {
  admin = (await signedIn("admin")).session;
});

async function created<T>(response: Promise<Response>): Promise<T> {
  const settled = await response;
  if (settled.status !== 201) throw new Error(`expected 201, got ${settled.status}: ${await settled.text()}`);
  return (await settled.json()) as T;
}

/** A team with one developer, a category routed to it, a reporter, and a developer elsewhere. */
async function world() {
  const [developer, reporter, outsider] = await Promise.all([
    signedIn("developer"),
    signedIn("reporter"),
    signedIn("developer"),
  ]);
  const name = `Events ${crypto.randomUUID().slice(0, 8)}`;
  const team = await created<{ id: string }>(
    workerFetch("/v1/teams", jsonRequest("POST", { name }, admin.headers)),
  );
  const member = await workerFetch(
    `/v1/teams/${team.id}/members/${developer.user.id}`,
    jsonRequest("PUT", { role: "member" }, admin.headers),
  );
  expect(member.status).toBeLessThan(300);
  const category = await created<{ id: string }>(
    workerFetch("/v1/categories", jsonRequest("POST", { name, defaultTeamId: team.id }, admin.headers)),
  );
  const report = (title: string, session: Session = reporter.session) =>
    created<{ id: string }>(
      workerFetch("/v1/tickets", jsonRequest("POST", { title, categoryId: category.id }, session.headers)),
    );
  const comment = (ticketId: string, session: Session, visibility: "public" | "internal" = "public") =>
    created<{ id: string }>(
      workerFetch(
        `/v1/tickets/${ticketId}/comments`,
        jsonRequest("POST", { body: `A ${visibility} note`, visibility }, session.headers),
      ),
    );
  return { developer, reporter, outsider, team, report, comment };
}

async function openStream(headers: Record<string, string>, query = "") {
  const abort = new AbortController();
  const response = await workerFetch(`/v1/events${query}`, { headers, signal: abort.signal });
  expect(response.status).toBe(200);
  const stream = readSse(response, abort);
  await stream.until((sse) => sse.comments.includes("live") || sse.done, 5000);
  type Received = { id: number; type: string; ticketId: string; visibility: string };
  return Object.assign(stream, { received: () => stream.events<Received>() });
}

describe("live events inside workerd", () => {
  // Three streams hold database connections at once. On a machine without PostgreSQL the worker
  // talks to PGlite through pglite-socket, which interleaves the protocol messages of concurrent
  // connections ("bind message supplies 4 parameters, but prepared statement requires 5"); so
  // this case needs a real server (as in CI). The Node suite covers it on PGlite too.
  it.runIf(inject("workersDatabaseKind") === "postgres")(
    "streams another user's changes by pub/sub, each to those who may see it",
    async () => {
      const { developer, reporter, outsider, report, comment } = await world();
      const streams = await Promise.all([
        openStream(developer.session.headers),
        openStream(reporter.session.headers),
        openStream(outsider.session.headers),
      ]);
      const [ofDeveloper, ofReporter, ofOutsider] = streams;
      try {
        const ticket = await report("Printer on fire");
        await comment(ticket.id, developer.session, "internal");
        await comment(ticket.id, reporter.session);
        // The ticket's own events; watchers are also notified of comments (their own events).
        const ticketEvents = (stream: (typeof streams)[0]) =>
          stream.received().filter((event) => event.type !== "notification.created");
        await ofDeveloper.until(() => ticketEvents(ofDeveloper).length === 3, DELIVERY_MS);
        await ofReporter.until(() => ticketEvents(ofReporter).length === 2, DELIVERY_MS);
        const types = (stream: (typeof streams)[0]) => ticketEvents(stream).map((event) => event.type);
        expect(types(ofDeveloper)).toEqual(["ticket.created", "comment.created", "comment.created"]);
        expect(ticketEvents(ofDeveloper).map((event) => event.visibility)).toEqual([
          "public",
          "internal",
          "public",
        ]);
        expect(types(ofReporter)).toEqual(["ticket.created", "comment.created"]);
        expect(ticketEvents(ofReporter).every((event) => event.visibility === "public")).toBe(true);
        const ids = ticketEvents(ofDeveloper).map((event) => event.id);
        expect([...ids].sort((a, b) => a - b)).toEqual(ids);
        // Events come in id order: once the outsider's own later ticket arrives, anything of the
        // others' it was wrongly sent would already be there.
        const own = await report("Mine", outsider.session);
        await ofOutsider.until((sse) => sse.events().some((event) => event.ticketId === own.id), DELIVERY_MS);
        expect(ofOutsider.received().map((event) => event.ticketId)).toEqual([own.id]);
      } finally {
        await Promise.all(streams.map((stream) => stream.close()));
      }
    },
  );

  it("replays exactly the missed events after a reconnect with Last-Event-ID", async () => {
    const { developer, reporter, report, comment } = await world();
    const first = await openStream(developer.session.headers);
    const ticket = await report("Resume me");
    await first.until((sse) => sse.events().length === 1, DELIVERY_MS);
    await first.close();
    const [seen] = first.received();

    await comment(ticket.id, reporter.session);
    await comment(ticket.id, developer.session, "internal");
    const again = await openStream({ ...developer.session.headers, "Last-Event-ID": String(seen?.id) });
    try {
      expect(again.received().map((event) => event.type)).toEqual(["comment.created", "comment.created"]);
      await comment(ticket.id, reporter.session);
      // Sent in id order: a duplicate of the third (on the team and user channels) would come
      // before the fourth, a later comment.
      await comment(ticket.id, reporter.session);
      const distinct = () => new Set(again.received().map((event) => event.id)).size;
      await again.until(() => distinct() === 4, DELIVERY_MS);
      const ids = again.received().map((event) => event.id);
      expect(ids, "no event sent twice").toHaveLength(4);
      expect(ids[0]).toBeGreaterThan(seen?.id ?? 0);
    } finally {
      await again.close();
    }
  });

  it("opens with a single-use stream token, and leaks no subscription over many cycles", async () => {
    const { developer, team } = await world();
    const issue = await created<{ token: string }>(
      workerFetch("/v1/events/tokens", { method: "POST", headers: developer.session.headers }),
    );
    const byToken = await openStream({}, `?token=${issue.token}`);
    expect(byToken.comments).toContain("live");
    expect(await subscribersOf(teamChannel(team.id))).toBe(1);
    await byToken.close();
    const reused = await workerFetch(`/v1/events?token=${issue.token}`);
    expect(reused.status).toBe(401);
    expect((await workerFetch("/v1/events")).status).toBe(401);

    for (let cycle = 0; cycle < 10; cycle++) await (await openStream(developer.session.headers)).close();
    const channels = [teamChannel(team.id), userChannel(developer.user.id)];
    const deadline = Date.now() + 5000;
    let counts = await Promise.all(channels.map(subscribersOf));
    while (counts.some((count) => count > 0) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      counts = await Promise.all(channels.map(subscribersOf));
    }
    expect(counts).toEqual([0, 0]);
  });

  it(
    "ends the stream within seconds when the viewer's role changes",
    async () => {
      const { developer } = await world();
      const stream = await openStream(developer.session.headers);
      const patched = await workerFetch(
        `/v1/users/${developer.user.id}`,
        jsonRequest("PATCH", { role: "manager" }, admin.headers),
      );
      expect(patched.status).toBe(200);
      await stream.until((sse) => sse.done, RECHECK_MS + 2000);
      expect(stream.comments).toContain("end view_changed");
    },
    RECHECK_MS + 8000,
  );
});
