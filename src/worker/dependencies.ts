import argon2Wasm from "@phi-ag/argon2/argon2.wasm";
import { createBreachedPasswords } from "../adapters/breached-passwords.ts";
import { createRequestDatabase } from "../adapters/database/request-scoped.ts";
import { createR2ObjectStore } from "../adapters/object-store/r2.ts";
import { createS3ObjectStore } from "../adapters/object-store/s3.ts";
import { s3SettingsOf } from "../adapters/object-store/s3-settings.ts";
import { createWasmPasswordHasher } from "../adapters/passwords/wasm.ts";
import { createRedisClient } from "../adapters/redis.ts";
import { createWorkerWebhookTransport } from "../adapters/webhooks/worker.ts";
import { type ApiReferenceScript, type DepsProvider, type ObjectStore, systemClock } from "../deps.ts";
import { jobRegistry } from "../features/jobs/registry.ts";
import type { Logger } from "../lib/logger.ts";
import type { WorkerConfig, WorkerEnv } from "./config.ts";
import { createQueueJobKicker, workerJobQueue } from "./jobs.ts";
import { createWorkerMailer } from "./mailer.ts";
import { workerMetrics } from "./metrics.ts";

/**
 * Everything stateless is built once per isolate (Redis over HTTP holds no socket). The database
 * client and waitUntil belong to one request: workerd cancels I/O objects that outlive it.
 */
export function createWorkerDepsProvider(config: WorkerConfig, env: WorkerEnv, logger: Logger): DepsProvider {
  const metrics = workerMetrics(env);
  const redis = createRedisClient(
    { url: config.UPSTASH_REDIS_REST_URL, token: config.UPSTASH_REDIS_REST_TOKEN },
    metrics,
  );
  const passwords = createWasmPasswordHasher(argon2Wasm);
  const breachedPasswords = createBreachedPasswords(config, logger);
  const mailer = createWorkerMailer(config, logger);
  const webhooks = createWorkerWebhookTransport({
    allowPrivateTargets: config.WEBHOOK_ALLOW_PRIVATE_TARGETS,
  });
  const jobQueue = workerJobQueue(env);
  const objects = workerObjectStore(config, env);
  return {
    config,
    logger,
    forRequest: (c) => {
      // Hyperdrive's docs read the binding on every request; the parsed copy is the fallback.
      const db = createRequestDatabase(env.HYPERDRIVE?.connectionString ?? config.DATABASE_URL, metrics);
      const waitUntil = (work: Promise<unknown>) =>
        c.executionCtx.waitUntil(
          work.catch((error: unknown) => logger.error("background task failed", { error })),
        );
      return {
        config,
        logger,
        metrics,
        redis,
        passwords,
        breachedPasswords,
        mailer,
        webhooks,
        objects,
        clock: systemClock,
        db,
        jobs: createQueueJobKicker({ db, logger }, jobRegistry, jobQueue, waitUntil),
        waitUntil,
      };
    },
    apiReferenceScript: workerApiReferenceScript(env),
    // Cloudflare's edge sets this header itself, replacing whatever the caller sent.
    clientIp: (c) => c.req.header("CF-Connecting-IP") ?? "unknown",
  };
}

/**
 * R2's S3 API when S3_* is set (clients then bypass the Worker with presigned URLs); otherwise the
 * R2 binding, whose bytes stream through the Worker (see src/adapters/object-store/r2.ts).
 */
export function workerObjectStore(config: WorkerConfig, env: WorkerEnv): ObjectStore {
  const s3 = s3SettingsOf(config);
  if (s3) return createS3ObjectStore(s3);
  if (!env.ATTACHMENTS) throw new Error("parseWorkerConfig lets no Worker start without ATTACHMENTS");
  return createR2ObjectStore(env.ATTACHMENTS);
}

/** The pinned @scalar/api-reference browser build, from the static assets wrangler.toml binds. */
function workerApiReferenceScript(env: WorkerEnv): ApiReferenceScript | undefined {
  const assets = env.ASSETS;
  if (!assets) return undefined;
  return async () => {
    const asset = await assets.fetch("https://assets.invalid/standalone.js");
    if (!asset.ok) throw new Error(`static asset standalone.js answered ${asset.status}`);
    return new Response(asset.body, {
      headers: {
        "Content-Type": "text/javascript; charset=utf-8",
        "Cache-Control": "public, max-age=3600",
      },
    });
  };
}
