import { type EventMatch, eventsIntact } from "./event-matching.ts";
import { type RedisSubscriptions, sameSubscriptions } from "./leaks.ts";
import type { HeapFloor, RssVerdict } from "./rss-flatness.ts";
import type { TallySummary } from "./tally.ts";
import type { TrafficRun } from "./traffic.ts";

export interface SoakFigures {
  traffic: { rate: number; run: TrafficRun; client: TallySummary };
  server: {
    requests: number;
    serverErrors: number;
    latencyMs: { p50?: number; p99?: number };
    publishLagMs: { p50?: number; p99?: number };
    relayBacklog: number;
    rateLimitDecisions: Record<string, number>;
  };
  events: EventMatch & { reconnects: number; drainMs: number };
  rss: RssVerdict;
  heapFloor?: HeapFloor;
  database: { poolMax: number; peak: number; atStop: number; afterIdle: number; idleInTransaction: number };
  redis: { baseline: RedisSubscriptions; streaming: RedisSubscriptions; afterClose: RedisSubscriptions };
}

export interface Check {
  name: string;
  pass: boolean;
  figures: string;
}

/** A traffic run worth judging: it went out as planned and mostly did what it meant to. */
const MIN_SENT_SHARE = 0.95;
const MIN_SUCCEEDED_SHARE = 0.8;

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
const few = (ids: readonly number[]) =>
  ids.length > 5 ? `${ids.slice(0, 5).join(", ")}, …` : ids.join(", ");
const subscriptions = (counts: RedisSubscriptions) =>
  `${counts.patterns} patterns, ${counts.channelSubscribers} channel subscribers, ${counts.subscriberConnections} subscriber connections`;

export function evaluateChecks(figures: SoakFigures): Check[] {
  const { traffic, server, events, rss, database, redis } = figures;
  const { client, run } = traffic;
  const sentShare = run.ticks === 0 ? 0 : run.started / run.ticks;
  const succeededShare = client.total === 0 ? 0 : client.succeeded / client.total;
  const limiter = server.rateLimitDecisions;
  return [
    {
      name: "traffic ran as planned",
      pass:
        sentShare >= MIN_SENT_SHARE &&
        succeededShare >= MIN_SUCCEEDED_SHARE &&
        run.clientFaults === 0 &&
        (limiter.allowed ?? 0) > 0 &&
        (limiter.limited ?? 0) === 0,
      figures:
        `${run.started}/${run.ticks} steps sent at ${traffic.rate}/s (${run.skipped} skipped), ` +
        `${client.total} requests, ${(succeededShare * 100).toFixed(1)}% 2xx/304, ${run.clientFaults} client faults; ` +
        `rate limiter ${limiter.allowed ?? 0} allowed, ${limiter.limited ?? 0} limited, ${limiter.skipped ?? 0} skipped`,
    },
    {
      name: "zero 5xx",
      pass: client.serverErrors === 0 && client.transportErrors === 0 && server.serverErrors === 0,
      figures:
        `client: ${client.serverErrors} 5xx and ${client.transportErrors} without answer of ${client.total}; ` +
        `server metrics: ${server.serverErrors} 5xx of ${server.requests}`,
    },
    {
      name: "zero lost events",
      pass: eventsIntact(events),
      figures:
        `${events.received}/${events.committed} committed events reached the stream (${events.reconnects} resumes); ` +
        `lost ${events.lost.length}${events.lost.length ? ` (${few(events.lost)})` : ""}, ` +
        `duplicated ${events.duplicates.length}, out of order ${events.outOfOrder.length}, unexpected ${events.unexpected.length}`,
    },
    {
      name: "RSS flat after warm-up",
      pass: rss.pass,
      figures:
        rss.reason ??
        `highest level ${mb(rss.maxBytes)} = ${rss.ratio.toFixed(3)} × baseline ${mb(rss.baselineBytes)} (limit 1.10; ` +
          `single-sample peak ${mb(rss.peakBytes)}); baseline = median of the first ${rss.baselineSamples} ` +
          `of ${rss.samplesAfterWarmup} samples after warm-up, level = median of 5 consecutive samples`,
    },
    {
      name: "no leaked database connections",
      pass:
        database.peak <= database.poolMax &&
        database.afterIdle <= database.poolMax &&
        database.afterIdle <= database.atStop &&
        database.idleInTransaction === 0,
      figures:
        `peak ${database.peak}, at stop ${database.atStop}, after idle timeout ${database.afterIdle} ` +
        `(pool max ${database.poolMax}), ${database.idleInTransaction} idle in transaction`,
    },
    {
      name: "no leaked Redis subscriptions",
      pass:
        sameSubscriptions(redis.baseline, redis.afterClose) &&
        redis.streaming.patterns > redis.baseline.patterns &&
        redis.streaming.channelSubscribers > redis.baseline.channelSubscribers,
      figures: `before streams: ${subscriptions(redis.baseline)}; while streaming: ${subscriptions(redis.streaming)}; after closing: ${subscriptions(redis.afterClose)}`,
    },
  ];
}
