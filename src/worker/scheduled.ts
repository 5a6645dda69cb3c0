import type { ExecutionContext, ScheduledController } from "@cloudflare/workers-types";
import { createRequestDatabase } from "../adapters/database/request-scoped.ts";
import { createRedisClient } from "../adapters/redis.ts";
import { createWorkerWebhookTransport } from "../adapters/webhooks/worker.ts";
import { systemClock } from "../deps.ts";
import { sweepAbandonedUploads } from "../features/attachments/sweep.ts";
import { relayAndPrune } from "../features/events/relay.ts";
import { dispatchJobs } from "../features/jobs/dispatch.ts";
import type { JobRegistry } from "../features/jobs/handlers.ts";
import { maintainJobs } from "../features/jobs/maintenance.ts";
import type { Logger } from "../lib/logger.ts";
import type { WorkerConfig, WorkerEnv } from "./config.ts";
import { workerObjectStore } from "./dependencies.ts";
import { createQueueJobKicker, workerJobQueue } from "./jobs.ts";
import { createWorkerMailer } from "./mailer.ts";
import { workerMetrics } from "./metrics.ts";

export type ScheduledHandler = (controller: ScheduledController, ctx: ExecutionContext) => void;

/**
 * The cron trigger (wrangler.toml `[triggers]`, every minute) is the Workers relay and the job
 * engine's safety net: each tick publishes what publish-after-commit left unpublished, prunes
 * expired events, sends due-date notifications and prunes read ones (relayAndPrune), removes
 * uploads never completed, prunes finished jobs, gives back jobs whose runner died (expired
 * leases), and sends the Queue every job owed a message (a lost send after commit, a
 * dead-lettered message). Like a request, the tick gets its own database client; its work runs
 * under waitUntil.
 */
export function createScheduledHandler(
  config: WorkerConfig,
  env: WorkerEnv,
  logger: Logger,
  registry: JobRegistry,
): ScheduledHandler {
  const metrics = workerMetrics(env);
  const redis = createRedisClient(
    { url: config.UPSTASH_REDIS_REST_URL, token: config.UPSTASH_REDIS_REST_TOKEN },
    metrics,
  );
  const queue = workerJobQueue(env);
  const mailer = createWorkerMailer(config, logger);
  const webhooks = createWorkerWebhookTransport({
    allowPrivateTargets: config.WEBHOOK_ALLOW_PRIVATE_TARGETS,
  });
  const objects = workerObjectStore(config, env);
  return (controller, ctx) => {
    const db = createRequestDatabase(env.HYPERDRIVE?.connectionString ?? config.DATABASE_URL, metrics);
    const tick = logger.child({ cron: controller.cron, scheduledTime: controller.scheduledTime });
    const waitUntil = (work: Promise<unknown>) =>
      ctx.waitUntil(work.catch((error: unknown) => tick.error("background task failed", { error })));
    const jobDeps = {
      config,
      db,
      redis,
      mailer,
      clock: systemClock,
      logger: tick,
      metrics,
      webhooks,
      objects,
      jobs: createQueueJobKicker({ db, logger: tick }, registry, queue, waitUntil),
      waitUntil,
    };
    // The relay pass also fans events out to webhooks; its jobs go straight to the queue.
    const pass = async () => {
      await relayAndPrune({ config, logger: tick, metrics, redis, db, jobs: jobDeps.jobs });
      await sweepAbandonedUploads({ config, logger: tick, db, objects, clock: systemClock });
    };
    ctx.waitUntil(pass());
    ctx.waitUntil(
      (async () => {
        await maintainJobs(jobDeps, registry);
        await dispatchJobs(jobDeps, registry, queue, { resendLost: true }).catch((error: unknown) =>
          tick.warn("sending jobs to the queue failed; retrying on the next tick", { error }),
        );
      })(),
    );
  };
}
