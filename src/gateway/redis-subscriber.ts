import type { GatewayLogger, PubSubEvent, Subscription, SubscriptionKind } from "./backend.ts";
import {
  classifyRedisError,
  delay,
  disconnectQuietly,
  openRedisConnection,
  whenReady,
} from "./redis-connection.ts";

/** One dedicated Redis connection per subscription, as a subscribed connection can run nothing else. */
export async function openRedisSubscription(
  redisUrl: string,
  logger: GatewayLogger,
  kind: SubscriptionKind,
  target: string,
  onEvent: (event: PubSubEvent) => void,
): Promise<Subscription> {
  const connection = openRedisConnection(redisUrl, "subscriber", logger);
  try {
    await whenReady(connection);
  } catch (error) {
    connection.disconnect();
    throw classifyRedisError(error);
  }
  connection.on("messageBuffer", (channel: Buffer, payload: Buffer) => {
    onEvent({ type: "message", channel: channel.toString("utf8"), payload });
  });
  connection.on("pmessageBuffer", (pattern: Buffer, channel: Buffer, payload: Buffer) => {
    onEvent({
      type: "pmessage",
      pattern: pattern.toString("utf8"),
      channel: channel.toString("utf8"),
      payload,
    });
  });
  let count: number;
  try {
    const subscribed = kind === "channel" ? connection.subscribe(target) : connection.psubscribe(target);
    count = Number(await subscribed);
  } catch (error) {
    connection.disconnect();
    throw classifyRedisError(error);
  }
  let closing: Promise<void> | undefined;
  return {
    count,
    close() {
      closing ??= (async () => {
        connection.removeAllListeners("messageBuffer");
        connection.removeAllListeners("pmessageBuffer");
        const unsubscribed =
          kind === "channel" ? connection.unsubscribe(target) : connection.punsubscribe(target);
        await Promise.race([unsubscribed.catch(() => {}), delay(250)]);
        await disconnectQuietly(connection);
      })();
      return closing;
    },
  };
}
