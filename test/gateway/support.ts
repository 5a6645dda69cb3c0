import { randomUUID } from "node:crypto";
import { Redis as UpstashRedis } from "@upstash/redis";
import { Redis as IORedis } from "ioredis";
import type { GatewayOptions, RunningGateway } from "../../src/gateway/server.ts";
import { startGateway } from "../../src/gateway/server.ts";

export const TOKEN = "gateway-test-token";

export interface BackendTarget {
  label: "memory" | "redis";
  backend: GatewayOptions["backend"];
  /** True only off CI with REDIS_URL unset and no Redis answering: then the real-Redis half is skipped. */
  unavailable: boolean;
}

export const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const redisRequired = process.env.CI === "true" || process.env.REDIS_URL !== undefined;

async function redisAnswers(url: string): Promise<boolean> {
  const probe = new IORedis(url, {
    lazyConnect: true,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  probe.on("error", () => {});
  try {
    await probe.connect();
    return (await probe.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

const realRedisReachable = await redisAnswers(redisUrl);
if (!realRedisReachable && redisRequired) {
  throw new Error(
    `Redis at ${redisUrl} is unreachable, and it is required here (CI=true or REDIS_URL set). ` +
      "Start it, or unset REDIS_URL outside CI to run only the memory backend.",
  );
}

export const realRedisUnavailable = !realRedisReachable;

export const BACKENDS: BackendTarget[] = [
  { label: "memory", backend: "memory", unavailable: false },
  { label: "redis", backend: { redisUrl }, unavailable: realRedisUnavailable },
];

export function uniquePrefix(label: string): string {
  return `gwtest:${label}:${randomUUID()}:`;
}

export function startTestGateway(backend: GatewayOptions["backend"]): Promise<RunningGateway> {
  return startGateway({ token: TOKEN, backend });
}

export function upstashClient(
  gateway: RunningGateway,
  options: { responseEncoding?: false; enableAutoPipelining?: boolean; token?: string } = {},
): UpstashRedis {
  return new UpstashRedis({
    url: gateway.url,
    token: options.token ?? TOKEN,
    enableTelemetry: false,
    retry: false,
    ...(options.responseEncoding === false ? { responseEncoding: false } : {}),
    enableAutoPipelining: options.enableAutoPipelining ?? true,
  });
}

/** Posts a raw body to the gateway, for protocol details the client hides. */
export async function post(
  gateway: RunningGateway,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${gateway.url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined };
}

/** The real Redis is shared, so each suite removes the keys under its own prefix. */
export const DELETE_KEYS_UNDER_PREFIX = `
  local cursor = "0"
  repeat
    local page = redis.call("SCAN", cursor, "MATCH", ARGV[1] .. "*", "COUNT", 1000)
    cursor = page[1]
    for _, key in ipairs(page[2]) do redis.call("DEL", key) end
  until cursor == "0"`;

export async function deleteKeysUnder(gateway: RunningGateway, prefix: string): Promise<void> {
  await post(gateway, "/", ["EVAL", DELETE_KEYS_UNDER_PREFIX, 0, prefix]);
}
