import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { expect } from "vitest";
import { type EventType, events } from "../../src/db/schema.ts";
import { channelsOf, toEnvelope } from "../../src/features/events/channels.ts";
import { recordEvent, type TicketSnapshot } from "../../src/features/events/record.ts";
import { readSse, type SseReader } from "../support/sse.ts";
import type { TestContext } from "../support/test-context.ts";

/**
 * Small values keep every stream test bounded: heartbeats each second, streams end after 10 s.
 * The table poll comes after the stream ended, so a live event a stream receives came through
 * pub/sub: a test can wait for it as long as a busy machine needs (DELIVERY_MS) and still tell.
 */
export const STREAM_ENV = {
  TRUST_PROXY: "true",
  EVENT_HEARTBEAT_SECONDS: "1",
  EVENT_STREAM_MAX_SECONDS: "10",
  EVENT_RECHECK_SECONDS: "300",
};

/** How long a test waits for a live event: generous, and below the stream's length. */
export const DELIVERY_MS = 8000;

export function ticketOf(people: { reporterId: string; teamId?: string | null; assigneeId?: string | null }) {
  return {
    id: randomUUID(),
    teamId: people.teamId ?? null,
    reporterId: people.reporterId,
    assigneeId: people.assigneeId ?? null,
  } satisfies TicketSnapshot;
}

/**
 * Writes an event as a service does (in a transaction, through recordEvent) and publishes it as
 * the writer does after commit: the envelope as JSON on each of its channels.
 */
export async function produce(
  ctx: TestContext,
  ticket: TicketSnapshot,
  options: { type?: EventType; visibility?: "public" | "internal"; publish?: boolean } = {},
): Promise<number> {
  const id = await ctx.deps.db.transaction((tx) =>
    recordEvent(tx, {
      type: options.type ?? "ticket.updated",
      ticket,
      ...(options.visibility ? { visibility: options.visibility } : {}),
      payload: { id: ticket.id, title: "Printer on fire" },
    }),
  );
  if (options.publish === false) return id;
  const [row] = await ctx.deps.db.select().from(events).where(eq(events.id, id));
  if (!row) throw new Error("the event vanished");
  const message = JSON.stringify(toEnvelope(row));
  await Promise.all(channelsOf(row).map((channel) => ctx.deps.redis.publish(channel, message)));
  return id;
}

export interface OpenStream extends SseReader {
  response: Response;
  ids(): number[];
}

/** Opens GET /v1/events and waits until it is live (subscribed and replayed). */
export async function openStream(
  ctx: TestContext,
  headers: Record<string, string>,
  query = "",
): Promise<OpenStream> {
  const abort = new AbortController();
  const response = await ctx.app.request(`/v1/events${query}`, { headers, signal: abort.signal });
  expect(response.status).toBe(200);
  expect(response.headers.get("Content-Type")).toMatch(/^text\/event-stream/);
  const reader = readSse(response, abort);
  await reader.until((sse) => sse.comments.includes("live") || sse.done, 5000);
  return Object.assign(reader, { response, ids: () => reader.events().map((event) => event.id) });
}

/** Subscribers of a channel, as Redis counts them (through the gateway). */
export async function subscribersOf(ctx: TestContext, channel: string): Promise<number> {
  const reply = await ctx.deps.redis.exec<[string, number]>(["PUBSUB", "NUMSUB", channel]);
  return Number(reply[1]);
}

/** Polls until the condition holds (or fails the test after `timeoutMs`). */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
