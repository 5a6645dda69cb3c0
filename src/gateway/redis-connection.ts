import { Redis, type RedisOptions } from "ioredis";
import type { GatewayLogger } from "./backend.ts";
import { BackendUnavailableError, CommandError, NestedErrorReply, type Reply } from "./protocol.ts";

/** How long a request waits for a (re)connecting Redis before it fails with a 5xx. */
const READY_WAIT_MS = 1000;

/**
 * Fail fast instead of queueing: a dead Redis must surface as an error within about a second,
 * and a command must never be replayed after a reconnect (it may already have run). Reconnects
 * keep going forever at most 500 ms apart, so the gateway recovers on its own.
 */
const CONNECTION_OPTIONS: RedisOptions = {
  protocol: 2,
  lazyConnect: true,
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  autoResendUnfulfilledCommands: false,
  connectTimeout: 1000,
  commandTimeout: 5000,
  disableClientInfo: true,
  retryStrategy: (attempt) => Math.min(50 * 2 ** (attempt - 1), 500),
};

export function openRedisConnection(redisUrl: string, role: string, logger: GatewayLogger): Redis {
  const connection = new Redis(redisUrl, {
    ...CONNECTION_OPTIONS,
    connectionName: `upstash-gateway-${role}`,
  });
  let lastProblem: string | undefined;
  connection.on("error", (error: Error) => {
    if (error.message === lastProblem) return;
    lastProblem = error.message;
    logger.warn("redis connection problem", { role, error: error.message });
  });
  connection.on("ready", () => {
    if (lastProblem !== undefined) logger.info("redis connection restored", { role });
    lastProblem = undefined;
  });
  return connection;
}

/**
 * Resolves once the connection can take commands. While Redis is down it fails as soon as the
 * next reconnect attempt fails (at most READY_WAIT_MS), so a request that arrives just as
 * Redis comes back still succeeds, and one that arrives during an outage fails fast.
 */
export function whenReady(connection: Redis): Promise<void> {
  if (connection.status === "ready") return Promise.resolve();
  if (connection.status === "end") {
    return Promise.reject(new BackendUnavailableError("ERR Redis is unreachable: connection closed"));
  }
  // Concurrent requests share one wait, instead of each adding listeners to the connection.
  let pending = pendingReady.get(connection);
  if (!pending) {
    pending = waitForNextAttempt(connection).finally(() => pendingReady.delete(connection));
    pendingReady.set(connection, pending);
  }
  return pending;
}

const pendingReady = new WeakMap<Redis, Promise<void>>();

function waitForNextAttempt(connection: Redis): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const settle = (error?: Error) => {
      clearTimeout(timer);
      connection.off("ready", onReady);
      connection.off("close", onAttemptFailed);
      if (error) reject(error);
      else resolve();
    };
    const onReady = () => settle();
    const onAttemptFailed = () => settle(new BackendUnavailableError("ERR Redis is unreachable"));
    const timer = setTimeout(onAttemptFailed, READY_WAIT_MS);
    connection.on("ready", onReady);
    connection.on("close", onAttemptFailed);
    if (connection.status === "wait") connection.connect().catch(() => {});
  });
}

function isReplyError(error: unknown): error is Error {
  return error instanceof Error && error.name === "ReplyError";
}

/** Redis's own error replies become CommandErrors; anything else means Redis is out of reach. */
export function classifyRedisError(error: unknown): Error {
  if (isReplyError(error)) return new CommandError(error.message);
  if (error instanceof BackendUnavailableError || error instanceof CommandError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new BackendUnavailableError(`ERR Redis is unreachable: ${detail}`);
}

export function toReply(value: unknown): Reply {
  if (value === null || value === undefined) return null;
  if (typeof value === "number") return value;
  if (value instanceof Uint8Array) return value;
  if (typeof value === "string") return Buffer.from(value, "utf8");
  if (Array.isArray(value)) return value.map(toReply);
  if (isReplyError(value)) return new NestedErrorReply(value.message);
  throw new TypeError(`unexpected reply from ioredis: ${typeof value}`);
}

/** Runs ioredis commands with upper-case names, which skips its lower-case-keyed reply reshaping (HGETALL to object). */
export function commandName(name: string): string {
  return name.toUpperCase();
}

export async function disconnectQuietly(connection: Redis): Promise<void> {
  connection.removeAllListeners("ready");
  if (connection.status === "ready") {
    await Promise.race([connection.quit().catch(() => {}), delay(500)]);
  }
  connection.disconnect();
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
