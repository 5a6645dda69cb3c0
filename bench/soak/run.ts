import { setTimeout as sleep } from "node:timers/promises";
import postgres from "postgres";
import { seededRandom } from "../../src/db/seed/prng.ts";
import { type ApiCall, createApiCall } from "./api-client.ts";
import { evaluateChecks, type SoakFigures } from "./checks.ts";
import { prepareSoakDatabase, SOAK_DATABASE } from "./database.ts";
import { drainEvents, eventChannels } from "./drain.ts";
import { openEventListener } from "./event-listener.ts";
import {
  databaseConnections,
  PROBE_APPLICATION_NAME,
  type RedisSubscriptions,
  redisSubscriptions,
  sameSubscriptions,
} from "./leaks.ts";
import { nextStep } from "./operations.ts";
import { parseSoakOptions } from "./options.ts";
import { writeSoakReport } from "./report.ts";
import { heapFloor, judgeRssFlatness } from "./rss-flatness.ts";
import { scrapeMetrics, startSampler } from "./sampler.ts";
import { serverFigures } from "./server-figures.ts";
import { type SoakStack, startSoakStack } from "./stack.ts";
import { createTally } from "./tally.ts";
import type { TrafficContext } from "./ticket-operations.ts";
import { driveTraffic } from "./traffic.ts";
import { signIn, soakPeople, type VirtualUser } from "./users.ts";

/**
 * `npm run soak [-- --duration 5m --rate 100 --warmup 50%]`: steady mixed traffic against the real
 * stack, then the checks described in docs/SOAK.md. Exits 1 when any check fails.
 */
// The API's pool (src/adapters/database/postgres.ts): at most 10 connections, closed after 30 s idle.
const POOL_MAX = 10;
const POOL_IDLE_TIMEOUT_MS = 30_000;
const MAX_IN_FLIGHT = 200;
const SUBSCRIPTION_RELEASE_TIMEOUT_MS = 15_000;

const options = parseSoakOptions(process.argv.slice(2));
const started = new Date();
const databaseUrl = await prepareSoakDatabase(
  process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres",
);
const stack = await startSoakStack({ databaseUrl, streamMaxSeconds: options.streamMaxSeconds });
const sql = postgres(databaseUrl, {
  max: 2,
  onnotice: () => {},
  connection: { application_name: PROBE_APPLICATION_NAME },
});
let passed = false;
try {
  passed = await soak(stack, sql);
} finally {
  await sql.end();
  await stack.stop();
}
process.exit(passed ? 0 : 1);

async function soak(stack: SoakStack, sql: postgres.Sql): Promise<boolean> {
  const scrape = () => scrapeMetrics(stack.apiUrl, stack.metricsToken);
  await scrape(); // fails fast, and says why, when /metrics is missing or refuses the token
  const tally = createTally();
  const call = createApiCall(stack.apiUrl, tally);
  const users: VirtualUser[] = [];
  for (const person of soakPeople()) users.push(await signIn(call, person));
  const context = await trafficContext(call, users);

  // Two streams of their own sessions: the admin sees every event (the lost-events check); a
  // manager of two teams listens on channels, the admin on a pattern, so both kinds are exercised.
  const channels = await eventChannels(sql);
  const [latest] = await sql<{ id: number }[]>`select coalesce(max(id), 0)::int as id from events`;
  const startId = latest?.id ?? 0;
  const subscriptionsBefore = await redisSubscriptions(stack.redis, channels);
  const admin = await signIn(call, byRole(users, "admin"));
  const adminStream = await openEventListener(stack.apiUrl, call, admin, startId);
  const managerStream = await openEventListener(
    stack.apiUrl,
    call,
    await signIn(call, byRole(users, "manager")),
    startId,
  );
  const subscriptionsStreaming = await redisSubscriptions(stack.redis, channels);

  console.log(`soak: ${options.rate} steps/s for ${options.durationMs / 1000} s against ${stack.apiUrl}`);
  const sampler = startSampler({
    everyMs: options.sampleEveryMs,
    scrape,
    connections: async () => (await databaseConnections(sql, SOAK_DATABASE)).total,
  });
  const run = await driveTraffic({
    rate: options.rate,
    durationMs: options.durationMs,
    maxInFlight: MAX_IN_FLIGHT,
    next: () => nextStep(context, users),
  });
  await sampler.stop();
  console.log(
    `traffic done: ${run.started} steps in ${(run.durationMs / 1000).toFixed(1)} s; draining events`,
  );

  const drained = await drainEvents(sql, startId, adminStream.receivedIds, admin.userId);
  await Promise.all([adminStream.close(), managerStream.close()]);
  const subscriptionsAfter = await subscriptionsReleased(stack, channels, subscriptionsBefore);
  const atStop = await databaseConnections(sql, SOAK_DATABASE);
  console.log(`waiting ${(POOL_IDLE_TIMEOUT_MS + 5000) / 1000} s for the pool's idle timeout`);
  await sleep(POOL_IDLE_TIMEOUT_MS + 5000);
  const afterIdle = await databaseConnections(sql, SOAK_DATABASE);

  const warmupMs = options.durationMs * options.warmupShare;
  const figures: SoakFigures = {
    traffic: { rate: options.rate, run, client: tally.summary() },
    server: serverFigures(await scrape()),
    events: {
      ...drained.match,
      reconnects: adminStream.reconnects + managerStream.reconnects,
      drainMs: drained.ms,
    },
    rss: judgeRssFlatness(sampler.rss, { warmupMs, maxGrowth: 0.1 }),
    heapFloor: heapFloor(sampler.heapUsed, warmupMs),
    database: {
      poolMax: POOL_MAX,
      peak: Math.max(sampler.peakConnections, atStop.total),
      atStop: atStop.total,
      afterIdle: afterIdle.total,
      idleInTransaction: afterIdle.idleInTransaction,
    },
    redis: {
      baseline: subscriptionsBefore,
      streaming: subscriptionsStreaming,
      afterClose: subscriptionsAfter,
    },
  };
  const checks = evaluateChecks(figures);
  writeSoakReport({
    started,
    command: `npm run soak -- ${process.argv.slice(2).join(" ")}`.trim(),
    options,
    checks,
    figures,
    samples: { rss: sampler.rss, heapUsed: sampler.heapUsed },
  });
  const pass = checks.every((check) => check.pass);
  if (!pass) console.log(`\nSOAK FAILED; the API's log: ${stack.apiLog}`);
  return pass;
}

async function trafficContext(call: ApiCall, users: readonly VirtualUser[]): Promise<TrafficContext> {
  const categories = await call<{ data: { id: string }[] }>(
    "GET /v1/categories",
    "GET",
    "/v1/categories?limit=100",
    { token: byRole(users, "admin").accessToken },
  );
  return {
    call,
    random: seededRandom(options.seed),
    categoryIds: categories.body?.data.map((category) => category.id) ?? [],
    runTag: started.toISOString().slice(0, 19),
  };
}

function byRole(users: readonly VirtualUser[], role: VirtualUser["role"]): VirtualUser {
  const user = users.find((candidate) => candidate.role === role);
  if (!user) throw new Error(`the soak needs a ${role}`);
  return user;
}

/** Streams release their subscriptions asynchronously (the gateway unsubscribes when the request ends). */
async function subscriptionsReleased(
  stack: SoakStack,
  channels: readonly string[],
  before: RedisSubscriptions,
): Promise<RedisSubscriptions> {
  const deadline = Date.now() + SUBSCRIPTION_RELEASE_TIMEOUT_MS;
  for (;;) {
    const now = await redisSubscriptions(stack.redis, channels);
    if (sameSubscriptions(before, now) || Date.now() > deadline) return now;
    await sleep(500);
  }
}
