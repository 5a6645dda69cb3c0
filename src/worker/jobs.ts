import type { ExecutionContext, MessageBatch } from "@cloudflare/workers-types";
import type { Redis } from "@upstash/redis";
import { createQueueSender, isQueueProducer } from "../adapters/cloudflare-queue.ts";
import { createRequestDatabase } from "../adapters/database/request-scoped.ts";
import { createWorkerWebhookTransport } from "../adapters/webhooks/worker.ts";
import { ConfigError } from "../config/parse.ts";
import type { Database } from "../db/database.ts";
import { type JobKicker, systemClock } from "../deps.ts";
import { consumeJobMessage } from "../features/jobs/consume.ts";
import { dispatchJobs, type JobMessage, type JobMessageSender } from "../features/jobs/dispatch.ts";
import type { JobDeps, JobRegistry } from "../features/jobs/handlers.ts";
import type { Logger } from "../lib/logger.ts";
import type { Metrics } from "../lib/metrics/metrics.ts";
import type { WorkerConfig, WorkerEnv } from "./config.ts";
import { createWorkerMailer } from "./mailer.ts";

/** The Queue that carries job ids (wrangler.toml `[[queues.producers]]` binding `JOBS_QUEUE`). */
export function workerJobQueue(env: WorkerEnv): JobMessageSender {
  const binding = env.JOBS_QUEUE;
  if (!isQueueProducer(binding))
    throw new ConfigError([
      "JOBS_QUEUE: must be a Queue producer binding (wrangler.toml [[queues.producers]])",
    ]);
  return createQueueSender(binding);
}

/**
 * Workers' kickJobs(): after the commit, under the request's waitUntil, send the jobs owed a
 * message. A failed send is logged and left to the cron tick, which sends what is still unsent.
 */
export function createQueueJobKicker(
  deps: { db: Database; logger: Logger },
  registry: JobRegistry,
  queue: JobMessageSender,
  waitUntil: (work: Promise<unknown>) => void,
): JobKicker {
  return {
    kick() {
      waitUntil(
        dispatchJobs(deps, registry, queue).catch((error: unknown) =>
          deps.logger.warn("sending jobs to the queue failed; the cron tick sends them", { error }),
        ),
      );
    },
  };
}

export interface JobQueueContext {
  config: WorkerConfig;
  env: WorkerEnv;
  logger: Logger;
  metrics: Metrics;
  redis: Redis;
  registry: JobRegistry;
  queue: JobMessageSender;
  /** Jitter's random source; tests pin it. */
  random?: () => number;
}

/**
 * The Queue consumer (`queue()` in src/worker.ts): each message names a job; it is claimed and run
 * with a database client of its own (workerd ties sockets to the invocation, and messages run
 * side by side), then acknowledged or retried after the job's delay. A message whose handling
 * throws (the database unreachable) is retried shortly by Queues; after max_retries it goes to the
 * dead-letter queue, and the row, still pending, is re-sent by the cron tick.
 */
export function createJobQueueHandler(context: JobQueueContext) {
  const { config, env, logger, registry } = context;
  const mailer = createWorkerMailer(config, logger);
  const webhooks = createWorkerWebhookTransport({
    allowPrivateTargets: config.WEBHOOK_ALLOW_PRIVATE_TARGETS,
  });
  return async (batch: MessageBatch<unknown>, ctx: ExecutionContext): Promise<void> => {
    const newDb = () =>
      createRequestDatabase(env.HYPERDRIVE?.connectionString ?? config.DATABASE_URL, context.metrics);
    const waitUntil = (work: Promise<unknown>) =>
      ctx.waitUntil(work.catch((error: unknown) => logger.error("background task failed", { error })));
    await Promise.all(
      batch.messages.map(async (message) => {
        const jobId = jobIdOf(message.body);
        if (!jobId) {
          logger.warn("dropping a job message without a job id", { messageId: message.id });
          message.ack();
          return;
        }
        const db = newDb();
        const deps: JobDeps = {
          config,
          db,
          redis: context.redis,
          mailer,
          clock: systemClock,
          logger: logger.child({ jobId, messageId: message.id }),
          metrics: context.metrics,
          webhooks,
          jobs: createQueueJobKicker({ db, logger }, registry, context.queue, waitUntil),
          waitUntil,
        };
        try {
          const verdict = await consumeJobMessage(deps, registry, jobId, { random: context.random });
          if (verdict.action === "ack") message.ack();
          else message.retry({ delaySeconds: verdict.delaySeconds });
        } catch (error) {
          logger.warn("job message failed; Queues will deliver it again", { jobId, error });
          message.retry({ delaySeconds: 10 });
        }
      }),
    );
    // Jobs that waited for a slot of a group that just freed up, and retries due at once.
    const db = newDb();
    await dispatchJobs({ db, logger }, registry, context.queue).catch((error: unknown) =>
      logger.warn("sending jobs to the queue failed; the cron tick sends them", { error }),
    );
  };
}

function jobIdOf(body: unknown): string | undefined {
  const jobId = (body as Partial<JobMessage> | null)?.jobId;
  return typeof jobId === "string" && /^[0-9a-f-]{36}$/i.test(jobId) ? jobId : undefined;
}
