import type { Redis } from "@upstash/redis";
import type { Deps } from "../../deps.ts";
import { ALL_TEAMS_PATTERN, type EventEnvelope, teamChannel, userChannel } from "./channels.ts";
import type { Viewer } from "./visibility.ts";

const SUBSCRIBE_TIMEOUT_MS = 3000;
/** Between two attempts to subscribe while pub/sub is down; the table poll covers the gap. */
const RESUBSCRIBE_DELAY_MS = 1000;
/**
 * Beyond this many team channels a viewer listens to the all-teams pattern and filters locally:
 * every subscription is one long-lived HTTP request to the gateway, and a Worker may hold only
 * six outgoing connections per request, PostgreSQL's included.
 */
const MAX_TEAM_CHANNELS = 2;

type Subscriber = ReturnType<Redis["subscribe"]>;

export interface UpstreamSubscription {
  /**
   * True once Redis confirmed every subscription; false after an error or a timeout, in which
   * case the stream polls the table meanwhile and subscribing goes on in the background.
   */
  ready: Promise<boolean>;
  /** Aborts every upstream request (the gateway then unsubscribes) and stops resubscribing. */
  release(): Promise<void>;
}

export interface SubscriptionHandlers {
  onEvent(event: EventEnvelope): void;
  /** Pub/sub is back after it was lost or never came up: events of the gap came without a doorbell. */
  onRestored(): void;
}

/** The channels a viewer listens to: its teams' (or all of them) and its own user channel. */
export function upstreamOf(viewer: Viewer): { channels: string[]; patterns: string[] } {
  const own = userChannel(viewer.userId);
  // Admins hear every team through the pattern; their own notifications come on their channel.
  if (viewer.role === "admin") return { channels: [own], patterns: [ALL_TEAMS_PATTERN] };
  if (viewer.teamIds.length > MAX_TEAM_CHANNELS) return { channels: [own], patterns: [ALL_TEAMS_PATTERN] };
  return { channels: [...viewer.teamIds.map(teamChannel), own], patterns: [] };
}

/**
 * Subscribes through @upstash/redis (one SSE request to the gateway per channel or pattern) and
 * keeps the subscription up for as long as the stream lives: a subscription that fails, times
 * out or ends (the Node requester reports a response the gateway ended as an `unsubscribe`) is
 * logged once and retried every RESUBSCRIBE_DELAY_MS, so a stream opened before a gateway or
 * Redis restart gets its doorbells back instead of living on the table poll until it ends.
 */
export function subscribeFor(
  deps: Pick<Deps, "redis" | "logger">,
  viewer: Viewer,
  handlers: SubscriptionHandlers,
): UpstreamSubscription {
  const { channels, patterns } = upstreamOf(viewer);
  const userId = viewer.userId;
  let settleReady: (ok: boolean) => void = () => {};
  const ready = new Promise<boolean>((resolve) => {
    settleReady = resolve;
  });
  let state: "first" | "up" | "down" = "first";
  let released = false;
  let current: Subscriber[] = [];
  let retry: ReturnType<typeof setTimeout> | undefined;
  let pending: ReturnType<typeof setTimeout> | undefined;

  const attempt = () => {
    const subscribers: Subscriber[] = [];
    current = subscribers;
    let confirmed = 0;
    let over = false;
    const timeout = setTimeout(() => lost(new Error("subscribing timed out")), SUBSCRIBE_TIMEOUT_MS);
    pending = timeout;
    const lost = (error: unknown) => {
      if (over || released) return;
      over = true;
      clearTimeout(timeout);
      void Promise.all(subscribers.map((subscriber) => subscriber.unsubscribe())).catch(() => {});
      if (state === "first") {
        deps.logger.warn("event stream without pub/sub: polling until it is back", {
          userId,
          code: "event_subscription_unavailable",
          error,
        });
        settleReady(false);
      } else if (state === "up") {
        deps.logger.warn("event subscription lost: polling and resubscribing", {
          userId,
          code: "event_subscription_lost",
          error,
        });
      }
      state = "down";
      retry = setTimeout(attempt, RESUBSCRIBE_DELAY_MS);
    };
    const confirm = () => {
      if (over || released || ++confirmed < channels.length + patterns.length) return;
      clearTimeout(timeout);
      if (state === "first") settleReady(true);
      else {
        deps.logger.info("event subscription restored", { userId, code: "event_subscription_restored" });
        handlers.onRestored();
      }
      state = "up";
    };
    const watch = (subscriber: Subscriber, kind: "subscribe" | "psubscribe") => {
      subscribers.push(subscriber);
      subscriber.on(kind, confirm);
      // Once subscribed, an error is a message that did not parse; only the end of the
      // subscription says it is gone.
      subscriber.on("error", (error) => {
        if (confirmed < channels.length + patterns.length) lost(error);
      });
      subscriber.on(kind === "subscribe" ? "unsubscribe" : "punsubscribe", () =>
        lost(new Error("the gateway ended the subscription")),
      );
    };
    if (channels.length > 0) {
      const subscriber = deps.redis.subscribe<unknown>(channels);
      watch(subscriber, "subscribe");
      subscriber.on("message", ({ message }) => deliver(message, handlers.onEvent));
    }
    if (patterns.length > 0) {
      const subscriber = deps.redis.psubscribe<unknown>(patterns);
      watch(subscriber, "psubscribe");
      subscriber.on("pmessage", ({ message }) => deliver(message, handlers.onEvent));
    }
  };
  attempt();

  return {
    ready,
    async release() {
      released = true;
      clearTimeout(retry);
      clearTimeout(pending);
      settleReady(false);
      await Promise.all(current.map((subscriber) => subscriber.unsubscribe()));
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
