import type { SSEStreamingApi } from "hono/streaming";
import type { Auth } from "../../app-env.ts";
import type { Deps } from "../../deps.ts";
import { sessionsOf } from "../auth/sessions.ts";
import type { EventEnvelope } from "./channels.ts";
import { eventsAfter, latestEventId } from "./history.ts";
import { subscribeFor } from "./subscription.ts";
import {
  canSee,
  currentViewer,
  type EventFilters,
  matchesFilters,
  sameView,
  type Viewer,
} from "./visibility.ts";

/** The `retry:` advice sent first: how long EventSource waits before reconnecting. */
export const RECONNECT_ADVICE_MS = 3000;
const REPLAY_PAGE = 100;

export interface StreamOptions {
  auth: Auth;
  viewer: Viewer;
  filters: EventFilters;
  lastEventId: number | undefined;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
}

/**
 * Serves one SSE connection. Pub/sub messages are only doorbells: the events table is the source
 * of truth, read in id (= commit) order after a watermark, so an event published late (by the
 * relay), out of order (two writers racing to Redis) or on several channels is still sent once,
 * in order, with no gap. Order: subscribe first, then replay after Last-Event-ID, then follow
 * doorbells; every EVENT_RECHECK_SECONDS the viewer is re-read (any change ends the stream) and the
 * table is polled, which also covers a dead upstream subscription.
 */
export async function runEventStream(deps: Deps, sse: SSEStreamingApi, options: StreamOptions) {
  const { viewer, filters, auth } = options;
  let watermark = 0;
  let live = false;
  let closed = false;
  let finish: (reason: string) => void = () => {};
  const finished = new Promise<string>((resolve) => {
    finish = (reason) => {
      closed = true;
      resolve(reason);
    };
  });
  if (options.signal.aborted) return;
  const onClientGone = () => finish("client_gone");
  const onStopping = () => finish("shutdown");
  options.signal.addEventListener("abort", onClientGone);
  deps.stopping?.addEventListener("abort", onStopping);
  if (deps.stopping?.aborted) onStopping();
  sse.onAbort(onClientGone);

  let pending = false;
  let draining: Promise<void> | undefined;
  const drain = async () => {
    try {
      while (pending && !closed) {
        pending = false;
        await sendEventsAfterWatermark();
      }
    } catch (error) {
      deps.logger.error("event stream failed", { userId: auth.userId, error });
      finish("error");
    } finally {
      draining = undefined;
    }
  };
  const catchUp = () => {
    pending = true;
    draining ??= drain();
    return draining;
  };
  const sendEventsAfterWatermark = async () => {
    for (;;) {
      const page = await eventsAfter(deps.db, viewer, filters, watermark, REPLAY_PAGE);
      for (const event of page) {
        if (closed) return;
        await sse.writeSSE({ id: String(event.id), event: event.type, data: JSON.stringify(event) });
        watermark = event.id;
      }
      if (page.length < REPLAY_PAGE) return;
    }
  };
  const onDoorbell = (event: EventEnvelope) => {
    if (!live || closed || event.id <= watermark) return;
    if (canSee(viewer, event) && matchesFilters(filters, event)) void catchUp();
  };

  const timers: ReturnType<typeof setInterval>[] = [];
  const upstream = subscribeFor(deps, viewer, {
    onEvent: onDoorbell,
    onRestored: () => {
      if (live && !closed) void catchUp();
    },
  });
  let reason = "client_gone";
  try {
    await sse.write(`retry: ${RECONNECT_ADVICE_MS}\n\n`);
    const heartbeat = ": heartbeat\n\n";
    timers.push(setInterval(() => void sse.write(heartbeat), deps.config.EVENT_HEARTBEAT_SECONDS * 1000));
    timers.push(setTimeout(() => finish("max_duration"), deps.config.EVENT_STREAM_MAX_SECONDS * 1000));
    await Promise.race([upstream.ready, finished]);
    if (!closed) {
      const latest = await latestEventId(deps.db);
      // An id from the future (another database, a restore) must not hide the events to come.
      watermark = Math.min(options.lastEventId ?? latest, latest);
      live = true;
      await catchUp();
      await sse.write(": live\n\n");
      const recheckEvery = deps.config.EVENT_RECHECK_SECONDS * 1000;
      timers.push(setInterval(recheck(deps, auth, viewer, finish, catchUp), recheckEvery));
    }
    reason = await finished;
    await sse.write(`: end ${reason}\n\n`);
  } catch (error) {
    deps.logger.error("event stream failed", { userId: auth.userId, error });
    await sse.write(": end error\n\n");
  } finally {
    closed = true;
    for (const timer of timers) clearInterval(timer);
    options.signal.removeEventListener("abort", onClientGone);
    deps.stopping?.removeEventListener("abort", onStopping);
    // Not waiting for a catch-up in flight: a client that stopped reading would block it forever.
    await upstream.release();
    deps.logger.debug("event stream closed", { userId: auth.userId, reason, lastEventId: watermark });
  }
}

/** Ends the stream when the viewer's view changed or the session ended; polls the table otherwise. */
function recheck(
  deps: Deps,
  auth: Auth,
  viewer: Viewer,
  finish: (reason: string) => void,
  catchUp: () => unknown,
) {
  let checking = false;
  return async () => {
    if (checking) return;
    checking = true;
    try {
      const [now, owner] = await Promise.all([
        currentViewer(deps.db, auth.userId),
        sessionsOf(deps)
          .ownerOf(auth.sessionId)
          .catch(() => "unknown"),
      ]);
      if (!now || (owner !== "unknown" && owner !== auth.userId)) finish("signed_out");
      else if (!sameView(now, viewer)) finish("view_changed");
      else void catchUp();
    } catch (error) {
      deps.logger.warn("event stream recheck failed", { userId: auth.userId, error });
    } finally {
      checking = false;
    }
  };
}
