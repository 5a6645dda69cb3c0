import type { Server } from "node:http";
import type { Logger } from "../lib/logger.ts";

export interface ShutdownOptions {
  server: Server;
  timeoutMs: number;
  logger: Logger;
  /** Ends long-lived responses (event streams) at once; requests still in flight are drained. */
  endStreams(): void;
  /** Closes what the server used (background work, database, Redis) once requests are done. */
  releaseResources(): Promise<void>;
}

/**
 * Stops accepting connections, ends the event streams (which would otherwise hold the shutdown
 * for its whole deadline and then be cut without an end), lets in-flight requests finish within
 * the deadline, then releases resources. Idle keep-alive connections are closed at once so they cannot hold the exit open.
 */
export function createShutdown(options: ShutdownOptions): (reason: string) => Promise<void> {
  let shuttingDown: Promise<void> | undefined;
  return (reason) => {
    shuttingDown ??= shutDown(options, reason);
    return shuttingDown;
  };
}

async function shutDown(
  { server, timeoutMs, logger, endStreams, releaseResources }: ShutdownOptions,
  reason: string,
) {
  logger.info("shutting down", { reason, timeoutMs });
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  endStreams();
  server.closeIdleConnections();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  if ((await Promise.race([closed, deadline])) === "timeout") {
    logger.warn("shutdown deadline reached; closing remaining connections", { timeoutMs });
    server.closeAllConnections();
  }
  clearTimeout(timer);
  await releaseResources();
  logger.info("shutdown complete");
}
