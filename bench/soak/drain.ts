import { setTimeout as sleep } from "node:timers/promises";
import type postgres from "postgres";
import { teamChannel, userChannel } from "../../src/features/events/channels.ts";
import { type EventMatch, matchEvents } from "./event-matching.ts";

/** Long enough for the relay (every 2 s) and the streams' own table poll (every 5 s), several times over. */
const DRAIN_TIMEOUT_MS = 60_000;

/**
 * After the traffic: waits until the outbox has no unpublished event and the stream has every
 * event committed since `startId` that `listenerId` may receive, or the timeout passes; then
 * matches them by id. Notification events go to their recipient alone (docs/EVENTS.md), so
 * another user's are not expected.
 */
export async function drainEvents(
  sql: postgres.Sql,
  startId: number,
  receivedIds: () => number[],
  listenerId: string,
): Promise<{ match: EventMatch; ms: number }> {
  const started = performance.now();
  for (;;) {
    const committed = await sql<{ id: number }[]>`
      select id::int from events
      where id > ${startId} and (recipient_id is null or recipient_id = ${listenerId})
      order by id`;
    const [backlog] = await sql<
      { count: number }[]
    >`select count(*)::int from events where published_at is null`;
    const match = matchEvents(
      committed.map((row) => row.id),
      receivedIds(),
    );
    const ms = performance.now() - started;
    if ((match.lost.length === 0 && backlog?.count === 0) || ms > DRAIN_TIMEOUT_MS) return { match, ms };
    await sleep(500);
  }
}

/** Every pub/sub channel an event of this database can be published on: each team's, no team's, each user's. */
export async function eventChannels(sql: postgres.Sql): Promise<string[]> {
  const teams = await sql<{ id: string }[]>`select id from teams`;
  const users = await sql<{ id: string }[]>`select id from users`;
  return [
    ...teams.map((team) => teamChannel(team.id)),
    teamChannel(null),
    ...users.map((user) => userChannel(user.id)),
  ];
}
