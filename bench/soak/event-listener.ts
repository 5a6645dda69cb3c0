import { readSse, type SseReader } from "../../test/support/sse.ts";
import type { ApiCall } from "./api-client.ts";
import { refreshSession, type VirtualUser } from "./users.ts";

export interface EventListener {
  /** Every event id received so far, in arrival order, across reconnects. */
  receivedIds(): number[];
  /** How many times the stream ended on its own (max duration) and was resumed. */
  reconnects: number;
  /** Stops listening and waits for the stream to be gone. */
  close(): Promise<void>;
}

const LIVE_TIMEOUT_MS = 15_000;

/**
 * Listens as a browser would (docs/EVENTS.md): a single-use stream token, then `GET /v1/events`,
 * resuming with `lastEventId` whenever the stream ends, after refreshing the session for a fresh
 * access token. Starts after `startId`, so every event committed from then on is expected.
 * Resolves once the first stream is live.
 */
export async function openEventListener(
  baseUrl: string,
  call: ApiCall,
  user: VirtualUser,
  startId: number,
): Promise<EventListener> {
  const readers: SseReader[] = [];
  const listener: EventListener = {
    receivedIds: () =>
      readers.flatMap((reader) =>
        reader.messages.filter((message) => message.event).map((message) => Number(message.id)),
      ),
    reconnects: 0,
    close: async () => {},
  };
  let closing = false;

  const connect = async () => {
    const token = await call<{ token: string }>("POST /v1/events/tokens", "POST", "/v1/events/tokens", {
      token: user.accessToken,
    });
    if (token.status !== 201 || !token.body) throw new Error(`no stream token: ${token.status}`);
    const lastEventId = String(listener.receivedIds().at(-1) ?? startId);
    const abort = new AbortController();
    const response = await fetch(
      `${baseUrl}/v1/events?token=${token.body.token}&lastEventId=${lastEventId}`,
      {
        signal: abort.signal,
      },
    );
    if (response.status !== 200) throw new Error(`the event stream answered ${response.status}`);
    const reader = readSse(response, abort);
    readers.push(reader);
    if (closing) return reader.close();
    try {
      await reader.until((read) => read.comments.includes("live") || read.done, LIVE_TIMEOUT_MS);
      if (reader.done && !closing) throw new Error("the event stream ended before it was live");
    } catch (error) {
      await reader.close();
      throw error;
    }
    void reader.ended.then(() => {
      if (!closing) void resume();
    });
  };

  const resume = async () => {
    listener.reconnects++;
    for (let attempt = 1; !closing; attempt++) {
      try {
        await refreshSession(call, user);
        await connect();
        return;
      } catch (error) {
        console.error(`event stream reconnect ${attempt} failed: ${String(error)}`);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  };

  await connect();
  listener.close = async () => {
    closing = true;
    await Promise.all(readers.map((reader) => reader.close()));
    await Promise.all(readers.map((reader) => reader.ended));
  };
  return listener;
}
