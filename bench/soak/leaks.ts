import type Redis from "ioredis";
import type postgres from "postgres";

/** The soak's own connections name themselves, so they never count as the API's. */
export const PROBE_APPLICATION_NAME = "tixgenius-soak-probe";

export interface DatabaseConnections {
  total: number;
  /** Open transactions nobody is using: the classic leaked-connection signature. */
  idleInTransaction: number;
}

/** The API's connections to the soak database, from pg_stat_activity. */
export async function databaseConnections(sql: postgres.Sql, database: string): Promise<DatabaseConnections> {
  const [row] = await sql<{ total: number; idle_in_transaction: number }[]>`
    select count(*)::int as total,
      count(*) filter (where state like 'idle in transaction%')::int as idle_in_transaction
    from pg_stat_activity
    where datname = ${database} and application_name <> ${PROBE_APPLICATION_NAME}`;
  return { total: row?.total ?? 0, idleInTransaction: row?.idle_in_transaction ?? 0 };
}

export interface RedisSubscriptions {
  /** PUBSUB NUMPAT: distinct patterns anyone is subscribed to. */
  patterns: number;
  /** PUBSUB NUMSUB summed over the channels the streams listen to. */
  channelSubscribers: number;
  /** Connections the gateway opened for subscriptions (one per subscription), from CLIENT LIST. */
  subscriberConnections: number;
}

/** Pub/sub state of the soak's own Redis (nothing else uses it, so every count is the soak's). */
export async function redisSubscriptions(
  redis: Redis,
  channels: readonly string[],
): Promise<RedisSubscriptions> {
  const patterns = Number(await redis.call("PUBSUB", "NUMPAT"));
  const numsub =
    channels.length > 0 ? ((await redis.call("PUBSUB", "NUMSUB", ...channels)) as unknown[]) : [];
  const channelSubscribers = numsub
    .filter((_, index) => index % 2 === 1)
    .reduce<number>((sum, count) => sum + Number(count), 0);
  const clients = String(await redis.call("CLIENT", "LIST"));
  const subscriberConnections = clients
    .split("\n")
    .filter((line) => / name=upstash-gateway-subscriber /.test(line)).length;
  return { patterns, channelSubscribers, subscriberConnections };
}

export function sameSubscriptions(a: RedisSubscriptions, b: RedisSubscriptions): boolean {
  return (
    a.patterns === b.patterns &&
    a.channelSubscribers === b.channelSubscribers &&
    a.subscriberConnections === b.subscriberConnections
  );
}
