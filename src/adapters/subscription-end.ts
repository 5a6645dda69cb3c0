import type { UpstashRequest } from "@upstash/redis";

/**
 * The message a requester hands a subscriber whose subscription the server ended (the gateway
 * died, Upstash closed the stream): Redis's own `unsubscribe` (or `punsubscribe`) counting 0.
 * @upstash/redis gives a subscriber no other way to learn it, and would wait forever.
 */
export function subscriptionEndedMessage(req: UpstashRequest): string {
  const [kind, target] = req.path ?? [];
  return `${kind === "psubscribe" ? "punsubscribe" : "unsubscribe"},${target ?? ""},0`;
}

/** Relays an SSE subscription body's `data:` lines, then reports its end unless the subscriber aborted. */
export async function relaySubscription(
  body: ReadableStream<Uint8Array>,
  req: UpstashRequest,
): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += decoder.decode(value, { stream: true });
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) if (line.startsWith("data: ")) req.onMessage?.(line.slice(6));
    }
  } catch {
    // Cut or aborted: either way the subscription is over, which is said below.
  }
  if (!req.signal?.aborted) req.onMessage?.(subscriptionEndedMessage(req));
}
