import { Redis } from "@upstash/redis";

export interface RedisClientOptions {
  url: string;
  token: string;
  /** Per-command deadline; Upstash's default retries would otherwise stall a request for seconds. */
  timeoutMs?: number;
}

/** The Upstash REST client, the app's only way to Redis on both runtimes. */
export function createRedisClient(options: RedisClientOptions): Redis {
  const timeoutMs = options.timeoutMs ?? 2000;
  return new Redis({
    url: options.url,
    token: options.token,
    retry: { retries: 1, backoff: () => 50 },
    signal: () => AbortSignal.timeout(timeoutMs),
    enableTelemetry: false,
  });
}
