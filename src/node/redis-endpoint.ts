import type { Config } from "../config/schema.ts";
import type { Logger } from "../lib/logger.ts";

export interface RedisEndpoint {
  url: string;
  token: string;
  close(): Promise<void>;
}

/**
 * Upstash when configured. Otherwise (development and tests only; the config refuses it when
 * deployed) the project's Upstash REST gateway runs in-process, in front of REDIS_URL or, on a
 * machine without Redis, its memory backend.
 */
export async function resolveRedisEndpoint(config: Config, logger: Logger): Promise<RedisEndpoint> {
  if (config.UPSTASH_REDIS_REST_URL && config.UPSTASH_REDIS_REST_TOKEN && !config.EMBEDDED_GATEWAY) {
    return {
      url: config.UPSTASH_REDIS_REST_URL,
      token: config.UPSTASH_REDIS_REST_TOKEN,
      close: async () => {},
    };
  }
  const { startGateway } = await import("../gateway/server.ts");
  const token = config.UPSTASH_REDIS_REST_TOKEN ?? crypto.randomUUID();
  const backend = config.REDIS_URL ? { redisUrl: config.REDIS_URL } : ("memory" as const);
  const gateway = await startGateway({ token, backend, port: 0, logger });
  logger.info("embedded Upstash REST gateway started", {
    url: gateway.url,
    backend: config.REDIS_URL ? "redis" : "memory",
  });
  return { url: gateway.url, token, close: () => gateway.close() };
}
