import { Redis } from "@upstash/redis";
import type { RedisClientOptions } from "./redis.ts";
import { RedisCommandBatcher } from "./redis-command-batcher.ts";
import { NodeHttpRequester } from "./redis-node-requester.ts";

export interface NodeRedisClientOptions extends RedisClientOptions {
  onRoundTrip?: (durationMs: number, ok: boolean) => void;
}

export interface NodeRedisClient {
  redis: Redis;
  /** Closes the idle keep-alive sockets. */
  close(): void;
}

/** The Upstash REST client on Node: the same `Redis` API, spoken over node:http (see the requester). */
export function createNodeRedisClient(options: NodeRedisClientOptions): NodeRedisClient {
  const requester = new NodeHttpRequester({
    url: options.url,
    token: options.token,
    timeoutMs: options.timeoutMs ?? 2000,
    retries: 1,
    retryDelayMs: 50,
    onRoundTrip: options.onRoundTrip,
  });
  return { redis: new Redis(new RedisCommandBatcher(requester)), close: () => requester.close() };
}
