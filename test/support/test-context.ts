import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { inject } from "vitest";
import { createBreachedPasswords } from "../../src/adapters/breached-passwords.ts";
import { createPgliteDatabase } from "../../src/adapters/database/pglite.ts";
import { createPostgresDatabase, type NodeDatabase } from "../../src/adapters/database/postgres.ts";
import { createDiskObjectStore } from "../../src/adapters/object-store/disk.ts";
import { createNativePasswordHasher } from "../../src/adapters/passwords/native.ts";
import { createNodeRedisClient } from "../../src/adapters/redis-node.ts";
import { createNodeWebhookTransport } from "../../src/adapters/webhooks/node.ts";
import { createApp } from "../../src/app.ts";
import { parseConfig } from "../../src/config/parse.ts";
import type { Config } from "../../src/config/schema.ts";
import { DEVELOPMENT_JWT_SECRET } from "../../src/config/schema.ts";
import { type Clock, type Deps, type Mailer, type ObjectStore, systemClock } from "../../src/deps.ts";
import { createBackgroundTasks } from "../../src/lib/background-tasks.ts";
import { createLogger } from "../../src/lib/logger.ts";
import type { Metrics } from "../../src/lib/metrics/metrics.ts";
import { createPrometheusMetrics, type PrometheusMetrics } from "../../src/lib/metrics/prometheus-metrics.ts";
import { nodeApiReferenceScript } from "../../src/node/api-reference-script.ts";
import { nodeClientIp } from "../../src/node/client-ip.ts";
import { createLocalJobKicker, type LocalJobKicker } from "../../src/node/job-loop.ts";
import { processGauges } from "../../src/node/process-metrics.ts";
import { databaseUrlFor } from "./services.ts";

export interface TestContext {
  app: ReturnType<typeof createApp>;
  deps: Deps;
  config: Config;
  database: NodeDatabase;
  /** Every log line the app wrote, parsed. */
  logs: Record<string, unknown>[];
  /** Every SQL statement sent, in order; tests slice it around a request to count queries. */
  queries: string[];
  /** The same statements with their parameters, to replay one under EXPLAIN. */
  statements: { query: string; params: unknown[] }[];
  /** The context's own metrics registry (what `GET /metrics` serves when METRICS_TOKEN is set). */
  metrics: PrometheusMetrics;
  /** What `deps.jobs` is: a job loop started with it as `kicker` wakes on kickJobs(ctx.deps). */
  jobKicker: LocalJobKicker;
  /** The fresh database's own URL on PostgreSQL, never through `databaseThrough` (undefined on PGlite). */
  directDatabaseUrl: string | undefined;
  close(): Promise<void>;
}

/** A context without a mail server: a queued mail's send fails (and would be retried). */
const noMailServer: Mailer = {
  send: async () => {
    throw new Error("this test context has no mail server");
  },
};

/** The deadline of every Redis command the test app sends (fault tests derive their bounds from it). */
export const REDIS_TIMEOUT_MS = 1000;

export interface TestContextOptions {
  env?: Record<string, string>;
  clock?: Clock;
  redisUrl?: string;
  /** The postgres.js pool size (default 5); concurrency tests use the production default of 10. */
  maxConnections?: number;
  /** The URL the app connects with instead of its database's own (fault tests put a proxy there). */
  databaseThrough?: (directUrl: string) => string;
  /** Where mail goes (tests of mail flows pass an SMTP mailer to their own server); default: refused. */
  mailer?: Mailer;
  /** Sees every statement just before it is sent (fault tests cut a connection mid-transaction). */
  onQuery?: (query: string) => void;
  /** The attachments' store; by default a disk store in a fresh temporary folder. */
  objects?: ObjectStore;
}

/**
 * The real app over real dependencies: a fresh database of its own (cloned from the migrated
 * template on PostgreSQL, in-memory PGlite otherwise) and Redis through the run's gateway.
 */
export async function createTestContext(options: TestContextOptions = {}): Promise<TestContext> {
  const config = parseConfig(testContextEnv(options));
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger(config.LOG_LEVEL, (line) => logs.push(JSON.parse(line)));
  const queries: string[] = [];
  const statements: { query: string; params: unknown[] }[] = [];
  const metrics = createPrometheusMetrics({ gauges: processGauges() });
  const fresh = await createFreshDatabase(
    (query, params) => {
      queries.push(query);
      statements.push({ query, params });
      options.onQuery?.(query);
    },
    options.maxConnections,
    metrics,
    {
      through: options.databaseThrough,
      statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
      connectTimeoutSeconds: config.DATABASE_CONNECT_TIMEOUT_MS / 1000,
    },
  );
  const background = createBackgroundTasks(logger);
  const jobKicker = createLocalJobKicker();
  const redisClient = createNodeRedisClient({
    url: options.redisUrl ?? config.UPSTASH_REDIS_REST_URL ?? "",
    token: config.UPSTASH_REDIS_REST_TOKEN ?? "",
    timeoutMs: REDIS_TIMEOUT_MS,
    onRoundTrip: (durationMs, ok) => metrics.dependencyCall("redis", durationMs / 1000, ok),
  });
  const objectsDir = options.objects ? undefined : await mkdtemp(join(tmpdir(), "tixgenius-objects-"));
  const deps: Deps = {
    config,
    objects: options.objects ?? createDiskObjectStore(objectsDir ?? ""),
    db: fresh.database.db,
    redis: redisClient.redis,
    clock: options.clock ?? systemClock,
    passwords: createNativePasswordHasher(),
    breachedPasswords: createBreachedPasswords(config, logger),
    mailer: options.mailer ?? noMailServer,
    webhooks: createNodeWebhookTransport({ allowPrivateTargets: config.WEBHOOK_ALLOW_PRIVATE_TARGETS }),
    logger,
    metrics,
    jobs: jobKicker,
    waitUntil: (work) => background.waitUntil(work),
  };
  const app = createApp({
    config,
    logger,
    metricsExposition: metrics,
    forRequest: () => deps,
    clientIp: nodeClientIp(config.TRUST_PROXY),
    apiReferenceScript: nodeApiReferenceScript(),
  });
  return {
    app,
    deps,
    config,
    database: fresh.database,
    logs,
    queries,
    statements,
    metrics,
    jobKicker,
    directDatabaseUrl: fresh.url,
    async close() {
      await background.drain(5000);
      redisClient.close();
      await fresh.drop();
      if (objectsDir) await rm(objectsDir, { recursive: true, force: true });
    },
  };
}

/** The env a test context's app is configured from (the workerd door binds the same). */
export function testContextEnv(options: Pick<TestContextOptions, "env"> = {}): Record<string, string> {
  return {
    NODE_ENV: "test",
    JWT_SECRET: DEVELOPMENT_JWT_SECRET,
    LOG_LEVEL: "debug",
    UPSTASH_REDIS_REST_URL: inject("gatewayUrl"),
    UPSTASH_REDIS_REST_TOKEN: inject("gatewayToken"),
    // The production 300 ms lets a loaded 2-core machine turn a slow Redis answer into a 503 on
    // login (the limiter fails closed there); tests that stage Redis faults set their own.
    RATE_LIMIT_TIMEOUT_MS: String(REDIS_TIMEOUT_MS),
    ...options.env,
  };
}

/** How the app's pool reaches its fresh database, as the Node door configures it. */
export interface FreshDatabaseConnection {
  through?: (directUrl: string) => string;
  statementTimeoutMs?: number;
  connectTimeoutSeconds?: number;
}

export async function createFreshDatabase(
  onQuery?: (query: string, params: unknown[]) => void,
  maxConnections = 5,
  metrics?: Metrics,
  connection: FreshDatabaseConnection = {},
): Promise<{ database: NodeDatabase; url: string | undefined; drop(): Promise<void> }> {
  const postgresUrl = inject("postgresUrl");
  const template = inject("templateDatabase");
  if (!postgresUrl || !template) {
    const database = await createPgliteDatabase("memory://", { onQuery });
    return { database, url: undefined, drop: () => database.close() };
  }
  const name = `tixgenius_test_${randomBytes(6).toString("hex")}`;
  const admin = postgres(postgresUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${name}" template "${template}"`);
  } finally {
    await admin.end({ timeout: 1 });
  }
  const url = databaseUrlFor(postgresUrl, name);
  const database = createPostgresDatabase(connection.through?.(url) ?? url, {
    maxConnections,
    onQuery,
    metrics,
    statementTimeoutMs: connection.statementTimeoutMs,
    connectTimeoutSeconds: connection.connectTimeoutSeconds,
  });
  return {
    database,
    url,
    async drop() {
      await database.close();
      const cleanup = postgres(postgresUrl, { max: 1, onnotice: () => {} });
      try {
        await cleanup.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await cleanup.end({ timeout: 1 });
      }
    },
  };
}
