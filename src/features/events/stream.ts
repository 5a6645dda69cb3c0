import type { Redis } from "@upstash/redis";
import type { SSEStreamingApi } from "hono/streaming";
import type { Auth } from "../../app-env.ts";
import type { Deps } from "../../deps.ts";
import { sessionsOf } from "../auth/sessions.ts";
import { ALL_TEAMS_PATTERN, type EventEnvelope, teamChannel, userChannel } from "./channels.ts";
import { eventsAfter, latestEventId } from "./history.ts";
import {
  canSee,
  currentViewer,
  type EventFilters,
  matchesFilters,
  sameView,
  type Viewer,
} from "./visibility.ts";

/** How often an open stream re-reads the viewer (role, status, teams, session) and polls the table. */
export const VIEWER_RECHECK_MS = 5000;
/** The `retry:` advice sent first: how long EventSource waits before reconnecting. */
export const RECONNECT_ADVICE_MS = 3000;
const REPLAY_PAGE = 100;
const SUBSCRIBE_TIMEOUT_MS = 3000;
/**
 * Beyond this many team channels a viewer listens to the all-teams pattern and filters locally:
 * every subscription is one long-lived HTTP request to the gateway, and a Worker may hold only
 * six outgoing connections per request, PostgreSQL's included.
 */
const MAX_TEAM_CHANNELS = 2;

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
 * doorbells; every VIEWER_RECHECK_MS the viewer is re-read (any change ends the stream) and the
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
  options.signal.addEventListener("abort", onClientGone);
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
  const upstream = subscribeFor(deps, viewer, onDoorbell);
  let reason = "client_gone";
  try {
    await sse.write(`retry: ${RECONNECT_ADVICE_MS}\n\n`);
    const heartbeat = ": heartbeat\n\n";
    timers.push(setInterval(() => void sse.write(heartbeat), deps.config.EVENT_HEARTBEAT_SECONDS * 1000));
    timers.push(setTimeout(() => finish("max_duration"), deps.config.EVENT_STREAM_MAX_SECONDS * 1000));
    if (!(await upstream.ready))
      deps.logger.warn("event stream without pub/sub: polling only", { userId: auth.userId });
    if (closed) return;
    const latest = await latestEventId(deps.db);
    // An id from the future (another database, a restore) must not hide the events to come.
    watermark = Math.min(options.lastEventId ?? latest, latest);
    live = true;
    await catchUp();
    await sse.write(": live\n\n");
    timers.push(setInterval(recheck(deps, auth, viewer, finish, catchUp), VIEWER_RECHECK_MS));
    reason = await finished;
    await sse.write(`: end ${reason}\n\n`);
  } catch (error) {
    deps.logger.error("event stream failed", { userId: auth.userId, error });
    await sse.write(": end error\n\n");
  } finally {
    closed = true;
    for (const timer of timers) clearInterval(timer);
    options.signal.removeEventListener("abort", onClientGone);
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

/** The channels a viewer listens to: its teams' (or all of them) and its own user channel. */
export function upstreamOf(viewer: Viewer): { channels: string[]; patterns: string[] } {
  if (viewer.role === "admin") return { channels: [], patterns: [ALL_TEAMS_PATTERN] };
  const own = userChannel(viewer.userId);
  if (viewer.teamIds.length > MAX_TEAM_CHANNELS) return { channels: [own], patterns: [ALL_TEAMS_PATTERN] };
  return { channels: [...viewer.teamIds.map(teamChannel), own], patterns: [] };
}

/**
 * Subscribes through @upstash/redis (one SSE request to the gateway per channel or pattern).
 * `ready` resolves true once Redis confirmed every subscription, false on an error or timeout;
 * `release` aborts every upstream request, which makes the gateway unsubscribe.
 */
function subscribeFor(
  deps: Pick<Deps, "redis" | "logger">,
  viewer: Viewer,
  onEvent: (event: EventEnvelope) => void,
) {
  const { channels, patterns } = upstreamOf(viewer);
  const subscribers: ReturnType<Redis["subscribe"]>[] = [];
  let settle: (ok: boolean) => void = () => {};
  const ready = new Promise<boolean>((resolve) => {
    settle = resolve;
  });
  const timeout = setTimeout(() => settle(false), SUBSCRIBE_TIMEOUT_MS);
  let confirmed = 0;
  const confirm = () => {
    if (++confirmed === channels.length + patterns.length) settle(true);
  };
  const listen = (subscriber: ReturnType<Redis["subscribe"]>) => {
    subscriber.on("error", (error) => {
      deps.logger.warn("event subscription failed", { error });
      settle(false);
    });
    subscribers.push(subscriber);
    return subscriber;
  };
  if (channels.length > 0) {
    const subscriber = listen(deps.redis.subscribe<unknown>(channels));
    subscriber.on("subscribe", confirm);
    subscriber.on("message", ({ message }) => deliver(message, onEvent));
  }
  if (patterns.length > 0) {
    const subscriber = listen(deps.redis.psubscribe<unknown>(patterns));
    subscriber.on("psubscribe", confirm);
    subscriber.on("pmessage", ({ message }) => deliver(message, onEvent));
  }
  return {
    ready: ready.finally(() => clearTimeout(timeout)),
    async release() {
      clearTimeout(timeout);
      settle(false);
      await Promise.all(subscribers.map((subscriber) => subscriber.unsubscribe()));
    },
  };
}

function deliver(message: unknown, onEvent: (event: EventEnvelope) => void) {
  let value = message;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      return;
    }
  }
  const event = value as Partial<EventEnvelope> | null;
  if (typeof event?.id === "number" && typeof event.reporterId === "string") onEvent(event as EventEnvelope);
}
