import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { DataPointWriter } from "../../src/lib/metrics/analytics-engine.ts";
import type { WorkerEnv } from "../../src/worker/config.ts";
import worker from "../../src/worker.ts";
import { workerFetchWith } from "./support/requests.ts";

type DataPoint = Parameters<DataPointWriter["writeDataPoint"]>[0];

const call = (path: string, workerEnv: WorkerEnv, init: RequestInit = {}) =>
  workerFetchWith(workerEnv, path, init);

/** The env with Miniflare's own Analytics Engine binding, its writes watched. */
function watchedDataset() {
  const dataset = env.METRICS as DataPointWriter;
  const write = vi.spyOn(dataset, "writeDataPoint");
  const points = () => write.mock.calls.map(([point]) => point as DataPoint);
  return { points };
}

afterEach(() => vi.restoreAllMocks());

describe("metrics inside workerd", () => {
  it("writes one data point per request to the Analytics Engine binding, without awaiting it", async () => {
    expect(typeof (env.METRICS as DataPointWriter).writeDataPoint).toBe("function");
    const { points } = watchedDataset();

    const health = await call("/health", env);
    const missing = await call(`/v1/tickets/${crypto.randomUUID()}`, env);
    const unknown = await call("/no-such-route", env, { method: "POST" });

    expect([health.status, missing.status, unknown.status]).toEqual([200, 401, 404]);
    const requests = points().filter((point) => point.indexes?.[0] === "http_request");
    expect(requests.map((point) => point.blobs)).toEqual([
      ["/health", "GET", "200"],
      ["/v1/tickets/:id", "GET", "401"],
      ["/*", "POST", "404"],
    ]);
    for (const point of requests) {
      expect(point.doubles).toHaveLength(1);
      expect(point.doubles?.[0]).toBeGreaterThanOrEqual(0);
      expect(point.doubles?.[0]).toBeLessThan(10);
    }
  });

  it("writes a data point per dependency error: Redis unreachable for this env", async () => {
    const { points } = watchedDataset();
    const redisDown = { ...env, UPSTASH_REDIS_REST_URL: "http://127.0.0.1:9" };

    const ready = await call("/ready", redisDown);

    expect(ready.status).toBe(503);
    const errors = points().filter((point) => point.indexes?.[0] === "dependency_error");
    expect(errors.map((point) => point.blobs)).toEqual([["redis"]]);
    expect(
      points()
        .filter((point) => point.indexes?.[0] === "http_request")
        .map((point) => point.blobs),
    ).toEqual([["/ready", "GET", "503"]]);
  });

  it("writes the relay backlog on each cron tick", async () => {
    const { points } = watchedDataset();
    const ctx = createExecutionContext();
    worker.scheduled(createScheduledController({ cron: "* * * * *", scheduledTime: Date.now() }), env, ctx);
    await waitOnExecutionContext(ctx);

    const relay = points().filter((point) => point.indexes?.[0] === "event_relay");
    expect(relay).toHaveLength(1);
    expect(relay[0]?.doubles?.[0]).toEqual(expect.any(Number));
  });

  it("serves without a binding, and refuses a METRICS that is not a dataset like any bad config", async () => {
    const { METRICS: _binding, ...unbound } = env;
    expect((await call("/health", unbound)).status).toBe(200);

    const misconfigured = await call("/health", { ...env, METRICS: "not-a-dataset" });
    expect(misconfigured.status).toBe(500);
    expect(((await misconfigured.json()) as { code: string }).code).toBe("invalid_configuration");
  });

  it("has no /metrics route: the Prometheus endpoint is Node's", async () => {
    const response = await call("/metrics", {
      ...env,
      METRICS_TOKEN: "metrics-token-for-tests-0123456789abcdef",
    });
    expect(response.status).toBe(404);
  });
});
