import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import { createApp } from "./app.ts";
import { ConfigError, parseConfig } from "./config/parse.ts";
import { jobRegistry } from "./features/jobs/registry.ts";
import { createLogger } from "./lib/logger.ts";
import { answerClientErrors } from "./node/client-errors.ts";
import { createNodeDependencies, nodeConfigProblems } from "./node/dependencies.ts";
import { loadEnvironment } from "./node/env-file.ts";
import { startEventRelayLoop } from "./node/event-relay.ts";
import { createShutdown } from "./node/graceful-shutdown.ts";
import { startJobLoop } from "./node/job-loop.ts";
import { createStdoutLogSink } from "./node/log-sink.ts";
import { trackWaitingRequests } from "./node/waiting-requests.ts";

async function main(): Promise<void> {
  const config = readConfigOrExit();
  const logger = createLogger(config.LOG_LEVEL, createStdoutLogSink().sink);
  const dependencies = await createNodeDependencies(config, logger);
  const app = createApp(dependencies.provider);
  const server = serve({ fetch: app.fetch, port: config.PORT }, (info) => {
    logger.info("listening", { url: `http://localhost:${info.port}`, environment: config.NODE_ENV });
  }) as Server;
  answerClientErrors(server);
  const waiting = trackWaitingRequests(server);

  const relay = startEventRelayLoop(dependencies.deps, { intervalMs: config.EVENT_RELAY_INTERVAL_MS });
  const jobLoop = startJobLoop(dependencies.deps, {
    registry: jobRegistry,
    kicker: dependencies.jobKicker,
    pollIntervalMs: config.JOB_POLL_INTERVAL_MS,
    concurrency: config.JOB_CONCURRENCY,
    // As many requests waiting as the pool has connections: each connection a job takes is one a
    // request waits for (docs/JOBS.md).
    yieldWhile: () => waiting.count() >= dependencies.database.connections,
  });

  const shutdown = createShutdown({
    server,
    timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    logger,
    endStreams: () => dependencies.endStreams(),
    // The loops first: a run or a job in progress still needs the database and Redis.
    releaseResources: async () => {
      await Promise.all([relay.stop(), jobLoop.stop()]);
      await dependencies.close(config.SHUTDOWN_TIMEOUT_MS);
    },
  });
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      shutdown(signal).then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error("shutdown failed", { error });
          process.exit(1);
        },
      );
    });
  }
}

function readConfigOrExit() {
  try {
    const config = parseConfig(loadEnvironment(process.cwd(), process.env));
    const problems = nodeConfigProblems(config);
    if (problems.length > 0) throw new ConfigError(problems);
    return config;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}

await main();
