import type { ExecutionContext, MessageBatch, ScheduledController } from "@cloudflare/workers-types";
import { createRedisClient } from "./adapters/redis.ts";
import { createApp } from "./app.ts";
import { ConfigError } from "./config/parse.ts";
import { jobRegistry } from "./features/jobs/registry.ts";
import { createLogger } from "./lib/logger.ts";
import { PROBLEM_CONTENT_TYPE } from "./lib/problem.ts";
import { parseWorkerConfig, type WorkerEnv } from "./worker/config.ts";
import { createWorkerDepsProvider } from "./worker/dependencies.ts";
import { createJobQueueHandler, workerJobQueue } from "./worker/jobs.ts";
import { workerMetrics } from "./worker/metrics.ts";
import { createScheduledHandler, type ScheduledHandler } from "./worker/scheduled.ts";

type Handle = (request: Request, env: WorkerEnv, ctx: ExecutionContext) => Response | Promise<Response>;
interface Handlers {
  fetch: Handle;
  scheduled: ScheduledHandler;
  queue: (batch: MessageBatch<unknown>, ctx: ExecutionContext) => Promise<void>;
}

// workerd hands every request of an isolate the same env object, so it is parsed once per isolate;
// a new env (new deployment, another test) gets its own parse.
const handlers = new WeakMap<WorkerEnv, Handlers>();

function handlersFor(env: WorkerEnv): Handlers {
  let built = handlers.get(env);
  if (!built) {
    built = buildHandlers(env);
    handlers.set(env, built);
  }
  return built;
}

function buildHandlers(env: WorkerEnv): Handlers {
  try {
    const config = parseWorkerConfig(env);
    const logger = createLogger(config.LOG_LEVEL);
    const app = createApp(createWorkerDepsProvider(config, env, logger));
    const metrics = workerMetrics(env);
    return {
      fetch: (request, requestEnv, ctx) => app.fetch(request, requestEnv, ctx),
      scheduled: createScheduledHandler(config, env, logger, jobRegistry),
      queue: createJobQueueHandler({
        config,
        env,
        logger,
        metrics,
        redis: createRedisClient(
          { url: config.UPSTASH_REDIS_REST_URL, token: config.UPSTASH_REDIS_REST_TOKEN },
          metrics,
        ),
        registry: jobRegistry,
        queue: workerJobQueue(env),
      }),
    };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // The message names the bad keys and why, never their values; it is logged once per isolate.
    createLogger("error").error("invalid configuration", { problems: error.problems });
    // A misconfigured Worker has nothing to relay or run jobs with; the problem is already logged.
    // Its messages are retried, and dead-lettered if it stays misconfigured.
    return {
      fetch: refuseMisconfigured,
      scheduled: () => {},
      queue: async (batch) => batch.retryAll({ delaySeconds: 60 }),
    };
  }
}

/** Fails closed: with an invalid config every request is a 500 that reveals nothing of it. */
function refuseMisconfigured(request: Request): Response {
  const body = {
    type: "urn:tixgenius:problem:invalid_configuration",
    title: "Internal error",
    status: 500,
    detail: "The server's configuration is invalid.",
    instance: new URL(request.url).pathname,
    code: "invalid_configuration",
    requestId: crypto.randomUUID(),
  };
  return new Response(JSON.stringify(body), {
    status: 500,
    headers: { "Content-Type": PROBLEM_CONTENT_TYPE, "Cache-Control": "no-store" },
  });
}

export default {
  fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Response | Promise<Response> {
    return handlersFor(env).fetch(request, env, ctx);
  },
  /** Cron trigger: relays unpublished live events and prunes old ones (src/worker/scheduled.ts). */
  scheduled(controller: ScheduledController, env: WorkerEnv, ctx: ExecutionContext): void {
    handlersFor(env).scheduled(controller, ctx);
  },
  /** Queue consumer of JOBS_QUEUE: runs background jobs (src/worker/jobs.ts, docs/JOBS.md). */
  queue(batch: MessageBatch<unknown>, env: WorkerEnv, ctx: ExecutionContext): Promise<void> {
    return handlersFor(env).queue(batch, ctx);
  },
};
