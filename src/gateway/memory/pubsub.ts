import type { PubSubEvent, SubscriptionKind } from "../backend.ts";
import { globMatches } from "./glob.ts";
import { type Bytes, bytesToBuffer, bytesToText } from "./reply.ts";

type Listener = (event: PubSubEvent) => void;

/** In-process pub/sub; each listener stands for one subscriber connection with one subscription. */
export class PubSubHub {
  private readonly channels = new Map<Bytes, Set<Listener>>();
  private readonly patterns = new Map<Bytes, Set<Listener>>();

  /** Returns the function that unsubscribes. */
  subscribe(kind: SubscriptionKind, target: Bytes, listener: Listener): () => void {
    const registry = kind === "channel" ? this.channels : this.patterns;
    const listeners = registry.get(target) ?? new Set<Listener>();
    registry.set(target, listeners);
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0 && registry.get(target) === listeners) registry.delete(target);
    };
  }

  publish(channel: Bytes, payload: Bytes): number {
    let receivers = 0;
    const payloadBytes = bytesToBuffer(payload);
    const channelText = bytesToText(channel);
    for (const listener of [...(this.channels.get(channel) ?? [])]) {
      listener({ type: "message", channel: channelText, payload: payloadBytes });
      receivers++;
    }
    for (const [pattern, listeners] of [...this.patterns]) {
      if (!globMatches(pattern, channel)) continue;
      for (const listener of [...listeners]) {
        listener({
          type: "pmessage",
          pattern: bytesToText(pattern),
          channel: channelText,
          payload: payloadBytes,
        });
        receivers++;
      }
    }
    return receivers;
  }

  subscriberCount(channel: Bytes): number {
    return this.channels.get(channel)?.size ?? 0;
  }

  activeChannels(pattern: Bytes | undefined): Bytes[] {
    return [...this.channels.keys()].filter(
      (channel) => pattern === undefined || globMatches(pattern, channel),
    );
  }

  patternCount(): number {
    return this.patterns.size;
  }
}
