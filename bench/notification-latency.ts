import { readSse } from "../test/support/sse.ts";
import { percentiles } from "./event-latency.ts";
import type { Caller } from "./scenarios.ts";

export interface NotificationLatency {
  comments: number;
  delivered: number;
  /** Comments answered 201 whose notification never reached the watcher's stream. */
  lost: number;
  /** From the comment's answer (its transaction has committed) to `notification.created`. */
  afterCommitMs: { p50: number; p99: number; max: number };
}

/**
 * Commit → `notification.created`: one watcher of the tickets (in-app for comments) holds
 * `GET /v1/events` while the bench manager comments on those tickets at a steady rate. Each
 * notification event is matched to its comment by the comment id it carries (a fold names the
 * latest comment).
 */
export async function measureNotificationLatency(
  baseUrl: string,
  writer: Caller,
  watcher: Caller,
  ticketIds: string[],
  options: { perSecond: number; seconds: number },
): Promise<NotificationLatency> {
  const abort = new AbortController();
  const stream = await fetch(`${baseUrl}/v1/events`, {
    headers: { authorization: `Bearer ${watcher.token}` },
    signal: abort.signal,
  });
  if (stream.status !== 200) throw new Error(`GET /v1/events answered ${stream.status}`);
  const reader = readSse(stream, abort);
  await reader.until((read) => read.comments.includes("live"), 15_000);

  const arrivals = new Map<string, number>();
  let read = 0;
  const watch = setInterval(() => {
    for (const message of reader.messages.slice(read)) {
      if (message.event !== "notification.created") continue;
      const event = JSON.parse(message.data) as { payload: { notification: { commentId: string | null } } };
      const commentId = event.payload.notification.commentId;
      if (commentId && !arrivals.has(commentId)) arrivals.set(commentId, performance.now());
    }
    read = reader.messages.length;
  }, 1);

  const answered = new Map<string, number>();
  const writes: Promise<void>[] = [];
  for (let index = 0; index < options.perSecond * options.seconds; index++) {
    writes.push(comment(ticketIds[index % ticketIds.length] ?? "", index));
    await new Promise((resolve) => setTimeout(resolve, 1000 / options.perSecond));
  }
  await Promise.all(writes);
  await new Promise((resolve) => setTimeout(resolve, 3000)); // stragglers, and the relay's next pass
  clearInterval(watch);
  await reader.close();

  const afterCommit = [...answered].flatMap(([commentId, answeredAt]) => {
    const arrivedAt = arrivals.get(commentId);
    return arrivedAt === undefined ? [] : [arrivedAt - answeredAt];
  });
  return {
    comments: answered.size,
    delivered: afterCommit.length,
    lost: answered.size - afterCommit.length,
    afterCommitMs: percentiles(afterCommit),
  };

  async function comment(ticketId: string, index: number): Promise<void> {
    const response = await fetch(`${baseUrl}/v1/tickets/${ticketId}/comments`, {
      method: "POST",
      headers: { authorization: `Bearer ${writer.token}`, "content-type": "application/json" },
      body: JSON.stringify({ body: `Notification latency probe ${index}`, visibility: "public" }),
    });
    const answeredAt = performance.now();
    const body = (await response.json()) as { id?: string };
    if (response.status !== 201 || !body.id) throw new Error(`comment answered ${response.status}`);
    answered.set(body.id, answeredAt);
  }
}
