import { createBreachedPasswords } from "../src/adapters/breached-passwords.ts";
import { createPostgresDatabase } from "../src/adapters/database/postgres.ts";
import { createNativePasswordHasher } from "../src/adapters/passwords/native.ts";
import { createNodeRedisClient } from "../src/adapters/redis-node.ts";
import { createNodeWebhookTransport } from "../src/adapters/webhooks/node.ts";
import { createApp } from "../src/app.ts";
import { parseConfig } from "../src/config/parse.ts";
import { type Deps, systemClock } from "../src/deps.ts";
import { createBackgroundTasks } from "../src/lib/background-tasks.ts";
import { createLogger } from "../src/lib/logger.ts";
import { noMetrics } from "../src/lib/metrics/metrics.ts";
import { nodeClientIp } from "../src/node/client-ip.ts";
import { createNodeObjectStore } from "../src/node/dependencies.ts";
import { createLocalJobKicker } from "../src/node/job-loop.ts";

export interface Statement {
  query: string;
  params: unknown[];
}

export interface Captured {
  status: number;
  body: string;
  contentType: string;
  /** Every SQL statement the request sent, in order, with its parameters (Drizzle's query logger). */
  statements: Statement[];
  /** HTTP calls to the Upstash gateway, including the rate limiter's work deferred with waitUntil. */
  redisRoundTrips: number;
}

/**
 * The same app the server runs, built in this process with the project's query-logging hook and a
 * round-trip counter on its Redis client, against the same database and gateway: it tells what
 * SQL each endpoint sends (the raw-driver ceiling replays exactly that) and how many Redis round trips it makes.
 */
export async function openCapture(serverEnv: Record<string, string>) {
  const config = parseConfig({ ...serverEnv, LOG_LEVEL: "warn" });
  const logger = createLogger("warn");
  const statements: Statement[] = [];
  const database = createPostgresDatabase(config.DATABASE_URL ?? "", {
    maxConnections: 2,
    onQuery: (query, params) => statements.push({ query, params }),
  });
  let redisRoundTrips = 0;
  const redis = createNodeRedisClient({
    url: config.UPSTASH_REDIS_REST_URL ?? "",
    token: config.UPSTASH_REDIS_REST_TOKEN ?? "",
    onRoundTrip: () => redisRoundTrips++,
  });
  const background = createBackgroundTasks(logger);
  const deps: Deps = {
    config,
    db: database.db,
    redis: redis.redis,
    clock: systemClock,
    passwords: createNativePasswordHasher(),
    breachedPasswords: createBreachedPasswords(config, logger),
    // The capture measures requests; queued mail is never sent from here.
    mailer: {
      send: async () => {
        throw new Error("the capture sends no mail");
      },
    },
    webhooks: createNodeWebhookTransport({ allowPrivateTargets: config.WEBHOOK_ALLOW_PRIVATE_TARGETS }),
    logger,
    metrics: noMetrics,
    // No job loop runs here: captured requests enqueue jobs, nothing runs them.
    jobs: createLocalJobKicker(),
    objects: createNodeObjectStore(config),
    waitUntil: (work) => background.waitUntil(work),
  };
  const app = createApp({ config, logger, forRequest: () => deps, clientIp: nodeClientIp(false) });

  return {
    async request(path: string, init: RequestInit = {}): Promise<Captured> {
      statements.length = 0;
      redisRoundTrips = 0;
      const response = await app.request(path, init);
      const body = await response.text();
      await background.drain(2000);
      return {
        status: response.status,
        body,
        contentType: response.headers.get("content-type") ?? "",
        statements: [...statements],
        redisRoundTrips,
      };
    },
    async close() {
      redis.close();
      await database.close();
    },
  };
}
