import { describe, expect, it } from "vitest";
import { evaluateChecks, type SoakFigures } from "../../bench/soak/checks.ts";
import { parseDuration, parseSoakOptions } from "../../bench/soak/options.ts";

const subscriptions = (patterns: number, channelSubscribers: number, subscriberConnections: number) => ({
  patterns,
  channelSubscribers,
  subscriberConnections,
});

function cleanRun(): SoakFigures {
  return {
    traffic: {
      rate: 60,
      run: { ticks: 1800, started: 1800, skipped: 0, clientFaults: 0, durationMs: 30_000 },
      client: {
        total: 1900,
        serverErrors: 0,
        transportErrors: 0,
        succeeded: 1800,
        statuses: { "200": 1800, "412": 100 },
        latencyMs: { p50: 8, p99: 60, max: 90 },
        operations: {},
      },
    },
    server: {
      requests: 1950,
      serverErrors: 0,
      latencyMs: {},
      publishLagMs: {},
      relayBacklog: 0,
      rateLimitDecisions: { allowed: 1900, limited: 0, skipped: 0 },
    },
    events: {
      committed: 300,
      received: 300,
      lost: [],
      duplicates: [],
      outOfOrder: [],
      unexpected: [],
      reconnects: 2,
      drainMs: 800,
    },
    rss: {
      pass: true,
      baselineBytes: 100,
      maxBytes: 105,
      peakBytes: 108,
      ratio: 1.05,
      samplesAfterWarmup: 24,
      baselineSamples: 3,
    },
    database: { poolMax: 10, peak: 10, atStop: 6, afterIdle: 2, idleInTransaction: 0 },
    redis: {
      baseline: subscriptions(0, 0, 0),
      streaming: subscriptions(1, 3, 2),
      afterClose: subscriptions(0, 0, 0),
    },
  };
}

const failing = (figures: SoakFigures) =>
  evaluateChecks(figures)
    .filter((check) => !check.pass)
    .map((check) => check.name);

describe("evaluateChecks", () => {
  it("passes every check of a clean run", () => {
    expect(failing(cleanRun())).toEqual([]);
  });

  it("fails on a 5xx seen by the client, by the server's metrics, or a request without answer", () => {
    for (const spoil of [
      (figures: SoakFigures) => {
        figures.traffic.client.serverErrors = 1;
      },
      (figures: SoakFigures) => {
        figures.traffic.client.transportErrors = 1;
      },
      (figures: SoakFigures) => {
        figures.server.serverErrors = 1;
      },
    ]) {
      const figures = cleanRun();
      spoil(figures);
      expect(failing(figures)).toEqual(["zero 5xx"]);
    }
  });

  it("fails on a lost event", () => {
    const figures = cleanRun();
    figures.events.lost = [42];
    expect(failing(figures)).toEqual(["zero lost events"]);
  });

  it("fails when connections exceed the pool, stay in a transaction or grow while idle", () => {
    for (const database of [{ peak: 11 }, { afterIdle: 7 }, { idleInTransaction: 1 }]) {
      const figures = cleanRun();
      Object.assign(figures.database, database);
      expect(failing(figures)).toEqual(["no leaked database connections"]);
    }
  });

  it("fails when a subscription outlives its stream, or when no subscription was ever seen", () => {
    const leaked = cleanRun();
    leaked.redis.afterClose = subscriptions(1, 0, 1);
    expect(failing(leaked)).toEqual(["no leaked Redis subscriptions"]);
    const unseen = cleanRun();
    unseen.redis.streaming = subscriptions(0, 0, 0);
    expect(failing(unseen)).toEqual(["no leaked Redis subscriptions"]);
  });

  it("fails a run whose traffic did not go out, or mostly failed, however clean the rest", () => {
    const skipped = cleanRun();
    skipped.traffic.run.started = 1500;
    expect(failing(skipped)).toEqual(["traffic ran as planned"]);
    const refused = cleanRun();
    refused.traffic.client.succeeded = 1000;
    expect(failing(refused)).toEqual(["traffic ran as planned"]);
  });

  it("fails when the rate limiter tripped, or never ran", () => {
    const tripped = cleanRun();
    tripped.server.rateLimitDecisions.limited = 1;
    expect(failing(tripped)).toEqual(["traffic ran as planned"]);
    const idle = cleanRun();
    idle.server.rateLimitDecisions.allowed = 0;
    expect(failing(idle)).toEqual(["traffic ran as planned"]);
  });
});

describe("soak options", () => {
  it("reads durations as people write them", () => {
    expect(parseDuration("30s")).toBe(30_000);
    expect(parseDuration("5m")).toBe(300_000);
    expect(parseDuration("1m30s")).toBe(90_000);
    expect(parseDuration("300")).toBe(300_000);
    expect(() => parseDuration("5 minutes")).toThrow(/not a duration/);
  });

  it("defaults to 5 minutes at 100 steps per second, warm-up 50%, and scales sampling and streams", () => {
    expect(parseSoakOptions([])).toEqual({
      durationMs: 300_000,
      rate: 100,
      warmupShare: 0.5,
      sampleEveryMs: 5000,
      streamMaxSeconds: 100,
      seed: 1,
    });
    const short = parseSoakOptions(["--duration", "30s", "--rate", "30", "--warmup", "30%"]);
    expect(short).toMatchObject({ durationMs: 30_000, rate: 30, warmupShare: 0.3, sampleEveryMs: 1000 });
    expect(short.streamMaxSeconds).toBe(10);
    expect(() => parseSoakOptions(["--duration", "5s"])).toThrow(/at least 10s/);
  });
});
