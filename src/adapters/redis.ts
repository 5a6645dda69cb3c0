import { Redis, type RedisConfigNodejs, type Requester, type UpstashRequest } from "@upstash/redis";
import type { Metrics } from "../lib/metrics/metrics.ts";

export interface RedisClientOptions {
  url: string;
  token: string;
  /** Per-command deadline; Upstash's default retries would otherwise stall a request for seconds. */
  timeoutMs?: number;
}

/**
 * The Upstash REST client, the app's only way to Redis on both runtimes. With `metrics`, every
 * REST round trip (a command, a pipeline, a script) is timed as a `redis` dependency call.
 */
export function createRedisClient(options: RedisClientOptions, metrics?: Metrics): Redis {
  const timeoutMs = options.timeoutMs ?? 2000;
  const config: RedisConfigNodejs = {
    url: options.url,
    token: options.token,
    retry: { retries: 1, backoff: () => 50 },
    signal: () => AbortSignal.timeout(timeoutMs),
    enableTelemetry: false,
  };
  return metrics ? new TimedRedis(config, metrics) : new Redis(config);
}

/**
 * Every command, pipeline and script goes through the client's one requester (`this.client`),
 * which @upstash/redis offers no hook into; a subclass may replace it. The replacement forwards
 * everything but `request` to the real one, so the read-your-writes token stays where it lives.
 */
class TimedRedis extends Redis {
  constructor(config: RedisConfigNodejs, metrics: Metrics) {
    super(config);
    const requester = this.client;
    const request = <TResult>(req: UpstashRequest) => {
      const startedAt = performance.now();
      const report = (ok: boolean) =>
        metrics.dependencyCall("redis", (performance.now() - startedAt) / 1000, ok);
      return requester.request<TResult>(req).then(
        (response) => {
          report(true);
          return response;
        },
        (error: unknown) => {
          report(false);
          throw error;
        },
      );
    };
    this.client = new Proxy(requester, {
      get: (target, property) => (property === "request" ? request : Reflect.get(target, property)),
    }) satisfies Requester;
  }
}
