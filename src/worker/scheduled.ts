import type { ExecutionContext, ScheduledController } from "@cloudflare/workers-types";
import { createRequestDatabase } from "../adapters/database/request-scoped.ts";
import { createRedisClient } from "../adapters/redis.ts";
import { systemClock } from "../deps.ts";
import { sweepAbandonedUploads } from "../features/attachments/sweep.ts";
import { relayAndPrune } from "../features/events/relay.ts";
import type { Logger } from "../lib/logger.ts";
import type { WorkerConfig, WorkerEnv } from "./config.ts";
import { workerObjectStore } from "./dependencies.ts";
import { workerMetrics } from "./metrics.ts";

export type ScheduledHandler = (controller: ScheduledController, ctx: ExecutionContext) => void;

/**
 * The cron trigger (wrangler.toml `[triggers]`, every minute) is the Workers relay: each tick
 * publishes what publish-after-commit left unpublished, prunes expired events and removes uploads
 * never completed. Like a request,
 * the tick gets its own database client; its work runs under waitUntil.
 */
export function createScheduledHandler(
  config: WorkerConfig,
  env: WorkerEnv,
  logger: Logger,
): ScheduledHandler {
  const metrics = workerMetrics(env);
  const redis = createRedisClient(
    { url: config.UPSTASH_REDIS_REST_URL, token: config.UPSTASH_REDIS_REST_TOKEN },
    metrics,
  );
  const objects = workerObjectStore(config, env);
  return (controller, ctx) => {
    const db = createRequestDatabase(env.HYPERDRIVE?.connectionString ?? config.DATABASE_URL, metrics);
    const tick = logger.child({ cron: controller.cron, scheduledTime: controller.scheduledTime });
    const pass = async () => {
      await relayAndPrune({ config, logger: tick, metrics, redis, db });
      await sweepAbandonedUploads({ config, logger: tick, db, objects, clock: systemClock });
    };
    ctx.waitUntil(pass());
  };
}
