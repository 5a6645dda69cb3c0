import { readSse } from "../test/support/sse.ts";
import type { Caller } from "./scenarios.ts";

export interface EventLatency {
  patches: number;
  delivered: number;
  /** PATCHes answered 200 whose event never reached the stream. */
  lost: number;
  /** From the PATCH's answer (its transaction has committed) to the event on the stream. */
  afterCommitMs: { p50: number; p99: number; max: number };
  /** From sending the PATCH: the writer's whole wait for its change to reach a subscriber. */
  afterRequestMs: { p50: number; p99: number; max: number };
}

interface Sent {
  sentAt: number;
  answeredAt: number;
}

/**
 * Live event delivery, commit to subscriber: one subscriber on `GET /v1/events` (the bench
 * manager, who sees the tickets it changes) while a writer PATCHes those tickets at a steady rate.
 * Each event is matched to its PATCH by ticket id and the version the PATCH produced.
 */
export async function measureEventLatency(
  baseUrl: string,
  caller: Caller,
  tickets: { id: string; version: number }[],
  options: { perSecond: number; seconds: number },
): Promise<EventLatency> {
  const auth = { authorization: `Bearer ${caller.token}` };
  const abort = new AbortController();
  const stream = await fetch(`${baseUrl}/v1/events`, { headers: auth, signal: abort.signal });
  if (stream.status !== 200) throw new Error(`GET /v1/events answered ${stream.status}`);
  const reader = readSse(stream, abort);
  await reader.until((read) => read.comments.includes("live"), 15_000);

  const arrivals = new Map<string, number>();
  const seen = new Set<string>();
  const watch = setInterval(() => {
    for (const message of reader.messages) {
      if (!message.event || seen.has(message.data)) continue;
      seen.add(message.data);
      const event = JSON.parse(message.data) as { ticketId: string; payload: { version?: number } };
      arrivals.set(`${event.ticketId}:${event.payload.version}`, performance.now());
    }
  }, 1);

  const sent = new Map<string, Sent>();
  const versions = new Map(tickets.map((ticket) => [ticket.id, ticket.version]));
  const writes: Promise<void>[] = [];
  const total = options.perSecond * options.seconds;
  for (let index = 0; index < total; index++) {
    const ticket = tickets[index % tickets.length] as { id: string };
    writes.push(patch(ticket.id, index));
    await new Promise((resolve) => setTimeout(resolve, 1000 / options.perSecond));
  }
  await Promise.all(writes);
  await new Promise((resolve) => setTimeout(resolve, 3000)); // stragglers, and the relay's next pass
  clearInterval(watch);
  await reader.close();

  const afterCommit: number[] = [];
  const afterRequest: number[] = [];
  for (const [key, times] of sent) {
    const arrivedAt = arrivals.get(key);
    if (arrivedAt === undefined) continue;
    afterCommit.push(arrivedAt - times.answeredAt);
    afterRequest.push(arrivedAt - times.sentAt);
  }
  return {
    patches: sent.size,
    delivered: afterCommit.length,
    lost: sent.size - afterCommit.length,
    afterCommitMs: percentiles(afterCommit),
    afterRequestMs: percentiles(afterRequest),
  };

  async function patch(ticketId: string, index: number): Promise<void> {
    const version = versions.get(ticketId) ?? 0;
    versions.set(ticketId, version + 1); // the next PATCH of this ticket expects the new version
    const sentAt = performance.now();
    const response = await fetch(`${baseUrl}/v1/tickets/${ticketId}`, {
      method: "PATCH",
      headers: { ...auth, "content-type": "application/json", "if-match": `"${version}"` },
      body: JSON.stringify({ title: `Event latency probe ${index} at ${Date.now()}` }),
    });
    const answeredAt = performance.now();
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`PATCH answered ${response.status}`);
    sent.set(`${ticketId}:${version + 1}`, { sentAt, answeredAt });
  }
}

export function percentiles(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (fraction: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? 0;
  const round = (value: number) => Math.round(value * 100) / 100;
  return { p50: round(at(0.5)), p99: round(at(0.99)), max: round(sorted.at(-1) ?? 0) };
}
