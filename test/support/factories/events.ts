import { randomUUID } from "node:crypto";
import { type AddressInfo, createServer } from "node:net";
import type { Redis } from "@upstash/redis";
import { and, asc, eq, inArray, isNull, sql } from "drizzle-orm";
import { events } from "../../../src/db/schema.ts";
import type { EventEnvelope } from "../../../src/features/events/channels.ts";
import { recordEvent } from "../../../src/features/events/record.ts";
import type { TestContext } from "../test-context.ts";

/**
 * A ticket's own event rows (not its users' `notification.created` events, which
 * test/notifications covers) in id order, each with its `created_at` at full precision: `now()` is the
 * start time of the transaction, so an event written in the change's transaction carries exactly
 * the `updated_at` the change stamped on its row (xmin would not do: publishing updates the row).
 */
export async function eventRowsOf(ctx: TestContext, ticketId: string) {
  return ctx.deps.db
    .select({ row: events, at: sql<string>`${events.createdAt}::text` })
    .from(events)
    .where(and(eq(events.ticketId, ticketId), isNull(events.recipientId)))
    .orderBy(asc(events.id));
}

/** When the transaction that last changed a ticket or comment started (its `updated_at`), as text. */
export async function changedAt(ctx: TestContext, table: "tickets" | "ticket_comments", id: string) {
  const rows = await ctx.deps.db.execute<{ at: string }>(
    sql`select updated_at::text as at from ${sql.identifier(table)} where id = ${id}`,
  );
  const list = Array.isArray(rows) ? rows : (rows as unknown as { rows: { at: string }[] }).rows;
  const at = list[0]?.at;
  if (!at) throw new Error(`no ${table} row ${id}`);
  return at;
}

export interface Listener {
  /** Every envelope received so far, in arrival order. */
  received: EventEnvelope[];
  /** Resolves once every channel's subscription is confirmed by the gateway. */
  ready: Promise<void>;
  /** Waits until `predicate` holds for what was received, or fails after `timeoutMs`. */
  until(predicate: (received: EventEnvelope[]) => boolean, timeoutMs?: number): Promise<EventEnvelope[]>;
  close(): Promise<void>;
}

/** Subscribes to channels through the Upstash gateway, as the stream does. */
export function listen(redis: Redis, channels: string[]): Listener {
  const subscriber = redis.subscribe<EventEnvelope>(channels);
  const received: EventEnvelope[] = [];
  subscriber.on("message", (event) => received.push(event.message));
  let confirmed = 0;
  const ready = new Promise<void>((resolve) =>
    subscriber.on("subscribe", () => {
      confirmed += 1;
      if (confirmed === channels.length) resolve();
    }),
  );
  return {
    received,
    ready,
    async until(predicate, timeoutMs = 3000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(received)) {
        if (Date.now() > deadline) {
          throw new Error(
            `not received in ${timeoutMs} ms; got ${JSON.stringify(received.map((e) => e.id))}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return received;
    },
    close: () => subscriber.unsubscribe(),
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Unpublished events of a ticket and team of their own, written as a service writes them. */
export async function unpublishedEvents(ctx: TestContext, count: number) {
  const ticket = { id: randomUUID(), teamId: randomUUID(), reporterId: randomUUID(), assigneeId: null };
  const ids: number[] = [];
  for (let n = 0; n < count; n++) {
    ids.push(
      await ctx.deps.db.transaction((tx) =>
        recordEvent(tx, { type: "ticket.updated", ticket, payload: { id: ticket.id, n } }),
      ),
    );
  }
  return { ticket, ids };
}

/** `published_at` of each event, in id order. */
export async function publishedAtOf(ctx: TestContext, ids: number[]) {
  const rows = await ctx.deps.db
    .select({ publishedAt: events.publishedAt })
    .from(events)
    .where(inArray(events.id, ids))
    .orderBy(asc(events.id));
  return rows.map((row) => row.publishedAt);
}

/** A local port nothing listens on: a Redis gateway that is down. */
export async function deadGatewayUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
