import { join } from "node:path";
import { createBreachedPasswords } from "../adapters/breached-passwords.ts";
import { createPgliteDatabase } from "../adapters/database/pglite.ts";
import { createPostgresDatabase, type NodeDatabase } from "../adapters/database/postgres.ts";
import { createDiskObjectStore } from "../adapters/object-store/disk.ts";
import { createS3ObjectStore } from "../adapters/object-store/s3.ts";
import { s3SettingsOf } from "../adapters/object-store/s3-settings.ts";
import { createNativePasswordHasher } from "../adapters/passwords/native.ts";
import { createNodeRedisClient } from "../adapters/redis-node.ts";
import { createNodeWebhookTransport } from "../adapters/webhooks/node.ts";
import { ConfigError } from "../config/parse.ts";
import type { Config } from "../config/schema.ts";
import { type Deps, type DepsProvider, type ObjectStore, systemClock } from "../deps.ts";
import { type BackgroundTasks, createBackgroundTasks } from "../lib/background-tasks.ts";
import type { Logger } from "../lib/logger.ts";
import { createPrometheusMetrics } from "../lib/metrics/prometheus-metrics.ts";
import { nodeApiReferenceScript } from "./api-reference-script.ts";
import { nodeClientIp } from "./client-ip.ts";
import { createLocalJobKicker, type LocalJobKicker } from "./job-loop.ts";
import { resolveMailEndpoint } from "./mail-endpoint.ts";
import { processGauges } from "./process-metrics.ts";
import { resolveRedisEndpoint } from "./redis-endpoint.ts";

export interface NodeDependencies {
  provider: DepsProvider;
  /** The one set of dependencies every request shares, for work outside requests (the relay). */
  deps: Deps;
  database: NodeDatabase;
  background: BackgroundTasks;
  /** Woken by kickJobs(); the job loop (src/node/job-loop.ts) listens to it. */
  jobKicker: LocalJobKicker;
  /** Ends the open event streams (see `Deps.stopping`). */
  endStreams(): void;
  /** Drains background work, then closes the database, the mail transport and the Redis endpoint. */
  close(drainTimeoutMs: number): Promise<void>;
}

/** Builds the Node runtime's dependencies once; every request shares them. */
export async function createNodeDependencies(config: Config, logger: Logger): Promise<NodeDependencies> {
  const metrics = createPrometheusMetrics({ gauges: processGauges() });
  const database = config.DATABASE_URL
    ? createPostgresDatabase(config.DATABASE_URL, {
        connectTimeoutSeconds: config.DATABASE_CONNECT_TIMEOUT_MS / 1000,
        statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
        metrics,
      })
    : await createPgliteDatabase(config.DATA_DIR);
  logger.info("database ready", {
    kind: database.kind,
    dataDir: database.kind === "pglite" ? config.DATA_DIR : undefined,
  });
  const redisEndpoint = await resolveRedisEndpoint(config, logger);
  const redis = createNodeRedisClient({
    url: redisEndpoint.url,
    token: redisEndpoint.token,
    onRoundTrip: (durationMs, ok) => metrics.dependencyCall("redis", durationMs / 1000, ok),
  });
  const mail = await resolveMailEndpoint(config, logger);
  const objects = createNodeObjectStore(config);
  logger.info("object store ready", { kind: objects.kind });
  const background = createBackgroundTasks(logger);
  const stopping = new AbortController();
  const jobKicker = createLocalJobKicker();
  const deps: Deps = {
    config,
    db: database.db,
    redis: redis.redis,
    clock: systemClock,
    passwords: createNativePasswordHasher(),
    breachedPasswords: createBreachedPasswords(config, logger),
    mailer: mail.mailer,
    webhooks: createNodeWebhookTransport({ allowPrivateTargets: config.WEBHOOK_ALLOW_PRIVATE_TARGETS }),
    logger,
    metrics,
    jobs: jobKicker,
    objects,
    waitUntil: (work) => background.waitUntil(work),
    stopping: stopping.signal,
  };
  return {
    provider: {
      config,
      logger,
      forRequest: () => deps,
      metricsExposition: metrics,
      clientIp: nodeClientIp(config.TRUST_PROXY),
      apiReferenceScript: nodeApiReferenceScript(),
    },
    deps,
    database,
    background,
    jobKicker,
    endStreams: () => stopping.abort(),
    async close(drainTimeoutMs) {
      const unfinished = await background.drain(drainTimeoutMs);
      if (unfinished > 0) logger.warn("background tasks unfinished at shutdown", { unfinished });
      await database.close();
      await mail.close();
      redis.close();
      await redisEndpoint.close();
    },
  };
}

/**
 * What only the Node door requires: files under DATA_DIR can be served by one process only, so
 * deployed environments must configure S3 (like DATABASE_URL, they get no embedded default). On
 * Workers the R2 binding takes its place (src/worker/config.ts).
 */
export function nodeConfigProblems(config: Config): string[] {
  if ((config.NODE_ENV === "staging" || config.NODE_ENV === "production") && !s3SettingsOf(config))
    return [`S3_BUCKET: is required when NODE_ENV=${config.NODE_ENV} (with S3_ENDPOINT and the S3 keys)`];
  return [];
}

/** S3 when configured; otherwise files under DATA_DIR/objects. */
export function createNodeObjectStore(config: Config): ObjectStore {
  const problems = nodeConfigProblems(config);
  if (problems.length > 0) throw new ConfigError(problems);
  const s3 = s3SettingsOf(config);
  return s3 ? createS3ObjectStore(s3) : createDiskObjectStore(join(config.DATA_DIR, "objects"));
}
