import type { Redis } from "ioredis";
import type { GatewayLogger } from "./backend.ts";
import { CommandError } from "./protocol.ts";
import { classifyRedisError, disconnectQuietly, openRedisConnection, whenReady } from "./redis-connection.ts";

const MAX_IDLE_CONNECTIONS = 4;

/**
 * Dedicated connections for MULTI/EXEC, so a transaction never shares a connection with the
 * commands other requests are pipelining at the same moment.
 */
export class RedisConnectionPool {
  private readonly idle: Redis[] = [];
  private readonly open = new Set<Redis>();
  private closed = false;

  constructor(
    private readonly redisUrl: string,
    private readonly logger: GatewayLogger,
  ) {}

  async withConnection<T>(work: (connection: Redis) => Promise<T>): Promise<T> {
    const connection = await this.acquire();
    try {
      const result = await work(connection);
      this.release(connection, true);
      return result;
    } catch (error) {
      // A Redis error reply leaves the connection usable; anything else may leave a MULTI half-sent.
      this.release(connection, error instanceof CommandError);
      throw error;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.idle.length = 0;
    await Promise.all([...this.open].map((connection) => disconnectQuietly(connection)));
    this.open.clear();
  }

  private async acquire(): Promise<Redis> {
    const connection = this.idle.pop() ?? this.connect();
    try {
      await whenReady(connection);
      return connection;
    } catch (error) {
      this.discard(connection);
      throw classifyRedisError(error);
    }
  }

  private connect(): Redis {
    const connection = openRedisConnection(this.redisUrl, "transactions", this.logger);
    this.open.add(connection);
    return connection;
  }

  private release(connection: Redis, healthy: boolean): void {
    if (healthy && !this.closed && connection.status === "ready" && this.idle.length < MAX_IDLE_CONNECTIONS) {
      this.idle.push(connection);
      return;
    }
    this.discard(connection);
  }

  private discard(connection: Redis): void {
    this.open.delete(connection);
    connection.disconnect();
  }
}
