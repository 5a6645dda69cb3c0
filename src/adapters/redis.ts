import {
  errors,
  Redis,
  type RedisConfigNodejs,
  type Requester,
  type UpstashRequest,
  type UpstashResponse,
} from "@upstash/redis";
import type { Metrics } from "../lib/metrics/metrics.ts";
import { relaySubscription } from "./subscription-end.ts";

export interface RedisClientOptions {
  url: string;
  token: string;
  /** Per-command deadline; Upstash's default retries would otherwise stall a request for seconds. */
  timeoutMs?: number;
}

/**
 * The Upstash REST client, the app's only way to Redis on both runtimes. With `metrics`, every
 * REST round trip (a command, a pipeline, a script) is timed as a `redis` dependency call.
 * Subscriptions are read here rather than by the library, which never tells a subscriber that
 * the server ended its stream (see subscription-end.ts).
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
  return new AppRedis(config, metrics);
}

/**
 * Every command, pipeline and script goes through the client's one requester (`this.client`),
 * which @upstash/redis offers no hook into; a subclass may replace it. The replacement forwards
 * everything but `request` to the real one, so the read-your-writes token stays where it lives.
 */
class AppRedis extends Redis {
  constructor(config: RedisConfigNodejs, metrics?: Metrics) {
    super(config);
    const requester = this.client;
    const send = <TResult>(req: UpstashRequest): Promise<UpstashResponse<TResult>> =>
      req.isStreaming && req.onMessage
        ? (subscribe(config, req) as Promise<UpstashResponse<TResult>>)
        : requester.request<TResult>(req);
    const request = <TResult>(req: UpstashRequest) => {
      if (!metrics) return send<TResult>(req);
      const startedAt = performance.now();
      const report = (ok: boolean) =>
        metrics.dependencyCall("redis", (performance.now() - startedAt) / 1000, ok);
      return send<TResult>(req).then(
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

/** A subscription over fetch, as the library sends it; resolves once the server accepted it. */
async function subscribe(config: RedisConfigNodejs, req: UpstashRequest): Promise<UpstashResponse<number>> {
  const response = await fetch([config.url?.replace(/\/$/, ""), ...(req.path ?? [])].join("/"), {
    method: "POST",
    headers: {
      Authorization: `Bearer ${config.token}`,
      "Content-Type": "application/json",
      "Upstash-Encoding": "base64",
      ...req.headers,
    },
    body: JSON.stringify(req.body),
    signal: req.signal,
  });
  if (!response.ok || !response.body) {
    throw new errors.UpstashError(
      `subscribing failed with HTTP ${response.status}: ${await response.text()}`,
    );
  }
  void relaySubscription(response.body, req);
  return { result: 1 };
}
