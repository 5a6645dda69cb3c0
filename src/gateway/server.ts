import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type Backend, type GatewayLogger, silentLogger } from "./backend.ts";
import { createRequestHandler } from "./request-handler.ts";

export interface GatewayOptions {
  token: string;
  backend: "memory" | { redisUrl: string };
  port?: number;
  host?: string;
  logger?: {
    warn(msg: string, fields?: Record<string, unknown>): void;
    info(msg: string, fields?: Record<string, unknown>): void;
  };
}

export interface RunningGateway {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Starts the Upstash REST gateway: the Upstash HTTP protocol in front of a real Redis or of the
 * in-process memory backend. A Redis that is down at start is not fatal: requests fail with 503
 * until it is reachable.
 */
export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  if (!options.token) throw new Error("startGateway needs a non-empty token");
  const logger = options.logger ?? silentLogger;
  const host = options.host ?? "127.0.0.1";
  const backend = await openBackend(options.backend, logger);
  const openStreams = new Set<() => void>();
  const handle = createRequestHandler({ token: options.token, backend, logger, openStreams });
  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      logger.warn("gateway request crashed", { error: String(error) });
      response.destroy();
    });
  });
  // Longer than undici's 4 s keep-alive, so the client never reuses a socket the server is closing.
  server.keepAliveTimeout = 65_000;

  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 0, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    await backend.close();
    throw error;
  }

  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${reachableHost(host)}:${port}`,
    port,
    close() {
      closing ??= (async () => {
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const release of [...openStreams]) release();
        await backend.close();
        server.closeAllConnections();
        await serverClosed;
      })();
      return closing;
    },
  };
}

/**
 * Each backend is loaded only when chosen: ioredis and fengari are dev dependencies, and the
 * memory backend should not need ioredis (nor Redis fengari).
 */
async function openBackend(choice: GatewayOptions["backend"], logger: GatewayLogger): Promise<Backend> {
  if (choice === "memory") {
    const { createMemoryBackend } = await import("./memory-backend.ts");
    return createMemoryBackend();
  }
  const { createRedisBackend } = await import("./redis-backend.ts");
  return createRedisBackend(choice.redisUrl, logger);
}

/** A wildcard bind address is not something a client can connect to. */
function reachableHost(host: string): string {
  if (host === "0.0.0.0" || host === "") return "127.0.0.1";
  if (host === "::") return "[::1]";
  return host.includes(":") ? `[${host}]` : host;
}
