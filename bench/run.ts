import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import postgres from "postgres";
import { bundleForNode } from "../scripts/node-bundle.ts";
import { DEVELOPMENT_JWT_SECRET } from "../src/config/schema.ts";
import { type Captured, openCapture } from "./capture.ts";
import { type ConnectionCost, measureConnectionCost } from "./connection-cost.ts";
import { prepareDatabase } from "./database.ts";
import { type EventLatency, measureEventLatency } from "./event-latency.ts";
import { startMailSink } from "./mail-sink.ts";
import { type Measurement, measure, type Settings } from "./measure.ts";
import { type MemoryCost, measureMemoryCost } from "./memory-cost.ts";
import { measureNotificationLatency, type NotificationLatency } from "./notification-latency.ts";
import { combinedCounters, postgresCounters } from "./postgres-counters.ts";
import { type Started, startNode, waitForHttp } from "./processes.ts";
import { unlimitedRateLimits } from "./rate-limits.ts";
import { writeResults } from "./report.ts";
import { buildScenarios, type Caller, COMMENT_WATCHERS, ceilingRoute, refreshVersions } from "./scenarios.ts";
import { BENCH_MANAGER, BENCH_WATCHER_EMAIL, seedWatchedTickets } from "./seed.ts";
import { serverCounters } from "./server-counters.ts";
import { settleDatabase } from "./settle.ts";
import { startScriptNodeFlags } from "./start-flags.ts";
import { measureWebhooks, type WebhookBench } from "./webhook-delivery.ts";
import { measureWorkers, startWorkers, WORKER_ENDPOINTS, type WorkerMeasurements } from "./worker-bench.ts";
import { buildWritePathVariants, measureWriteBudgets, type WriteBudget } from "./write-path-budgets.ts";

/**
 * `npm run bench [-- --quick] [--sizes 10000,100000] [--only <substring>|worker] [--profile]`: the
 * API against its two ceilings and the Worker (wrangler dev), endpoint by endpoint, same data and
 * connections; `--only worker` runs just Node beside the Worker. See docs/BENCHMARKS.md.
 */
const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    sizes: { type: "string" },
    only: { type: "string" },
    profile: { type: "boolean", default: false },
  },
});
const settings: Settings = args.quick
  ? { connections: 50, durationSeconds: 5, warmupSeconds: 2, runs: 3 }
  : { connections: 50, durationSeconds: 10, warmupSeconds: 3, runs: 3 };
const sizes = (args.sizes ?? (args.quick ? "10000" : "10000,100000,1000000")).split(",").map(Number);
const serverUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const PORTS = { gateway: 18079, api: 18787, http: 18801, raw: 18802, plain: 18803 };
const PROFILE_DIR = join(tmpdir(), "tixgenius-bench-profiles");
/** The API runs as `npm start` runs it, flags included. */
const API_NODE_FLAGS = startScriptNodeFlags();
// Every server runs bundled on plain Node, as `npm start` runs the API: tsx alone adds ~190 MB RSS.
const BUNDLES = {
  api: "dist/node.mjs",
  // Inside the checkout, so their external packages resolve from node_modules.
  gateway: "dist/bench/gateway.mjs",
  ceiling: "dist/bench/ceiling-server.mjs",
  plain: "dist/bench/plain-stack-server.mjs",
};
/** `--only worker`: Node and the Worker on WORKER_ENDPOINTS, without ceilings or the other benches. */
const workerOnly = args.only === "worker";
/** The endpoints the plain Express stack (bench/plain-stack-server.ts) also serves. */
const PLAIN_STACK_ENDPOINTS = new Set(["GET /v1/tickets/:id", "GET /v1/tickets?status=open&limit=50"]);

export interface EndpointResult {
  endpoint: string;
  sqlPerRequest: number;
  redisRoundTripsPerRequest: number;
  api: Measurement;
  httpCeiling?: Measurement;
  rawCeiling?: Measurement;
  /** Express + pg + jsonwebtoken + Redis-backed express-rate-limit: what a user would pick instead. */
  plainStack?: Measurement;
  /** The Worker under wrangler dev, per way of reaching PostgreSQL (bench/worker-target.ts). */
  worker?: WorkerMeasurements;
  sameBytes?: boolean;
}

async function benchSize(size: number): Promise<EndpointResult[]> {
  const databaseUrl = await prepareDatabase(serverUrl, size);
  const token = crypto.randomUUID();
  const gateway = startNode("gateway", BUNDLES.gateway, {
    GATEWAY_PORT: String(PORTS.gateway),
    UPSTASH_REDIS_REST_TOKEN: token,
    REDIS_URL: redisUrl,
  });
  const metricsToken = crypto.randomUUID() + crypto.randomUUID();
  const mailSink = await startMailSink();
  const serverEnv: Record<string, string> = {
    NODE_ENV: "development",
    METRICS_TOKEN: metricsToken,
    PORT: String(PORTS.api),
    DATABASE_URL: databaseUrl,
    UPSTASH_REDIS_REST_URL: `http://127.0.0.1:${PORTS.gateway}`,
    UPSTASH_REDIS_REST_TOKEN: token,
    JWT_SECRET: DEVELOPMENT_JWT_SECRET,
    ACCESS_TOKEN_TTL_SECONDS: "3600",
    LOG_LEVEL: "info",
    // The webhook receivers of bench/webhook-delivery.ts listen on this machine.
    WEBHOOK_ALLOW_PRIVATE_TARGETS: "true",
    SMTP_URL: mailSink.url,
    ...unlimitedRateLimits(),
  };
  const processes: Started[] = [gateway];
  const sql = postgres(databaseUrl, { max: 2, onnotice: () => {} });
  const capture = await openCapture(serverEnv);
  try {
    await waitForHttp(`http://127.0.0.1:${PORTS.gateway}/`);
    // Profiles are large: written outside the repository, their folder printed at the end.
    const cpuProfile = args.profile ? ["--cpu-prof", `--cpu-prof-dir=${PROFILE_DIR}`] : [];
    const api = startNode("api", BUNDLES.api, serverEnv, [...API_NODE_FLAGS, ...cpuProfile]);
    processes.push(api);
    await waitForHttp(`http://127.0.0.1:${PORTS.api}/health`);
    const caller = await login(`http://127.0.0.1:${PORTS.api}`);
    const allScenarios = await buildScenarios(sql, caller);
    const scenarios = allScenarios.filter((scenario) =>
      workerOnly ? WORKER_ENDPOINTS.has(scenario.name) : !args.only || scenario.name.includes(args.only),
    );
    const captured: Captured[] = [];
    // Writes first (they run last), so the reads' captured bytes are what the reads will return.
    for (const scenario of [...scenarios].reverse()) {
      const sample = await capture.request(scenario.sample.path, scenario.sample.init);
      if (sample.status >= 300) throw new Error(`${scenario.name} answered ${sample.status}: ${sample.body}`);
      captured.unshift(sample);
    }
    const routes = scenarios.flatMap((scenario, index) => {
      const sample = captured[index];
      return sample ? [ceilingRoute(scenario, sample, caller.userId)] : [];
    });
    const specFile = join(tmpdir(), `tixgenius-bench-ceilings-${process.pid}.json`);
    writeFileSync(specFile, JSON.stringify(routes));
    const ceilingEnv = {
      DATABASE_URL: databaseUrl,
      JWT_SECRET: DEVELOPMENT_JWT_SECRET,
      CEILING_SPEC: specFile,
    };
    const references = workerOnly ? undefined : await startReferences(ceilingEnv, databaseUrl);
    if (references) processes.push(references.http, references.raw, references.plain);
    const workers = scenarios.some((scenario) => WORKER_ENDPOINTS.has(scenario.name))
      ? await startWorkers(serverEnv)
      : [];
    processes.push(...workers);
    const databaseName = new URL(databaseUrl).pathname.slice(1);

    const results: EndpointResult[] = [];
    for (const [index, scenario] of scenarios.entries()) {
      const sample = captured[index];
      if (!sample) continue;
      console.log(`[${size}] ${scenario.name}`);
      const load = () => refreshVersions(sql, scenario);
      const settle = () => settleDatabase(sql, databaseName);
      await settle();
      const result: EndpointResult = {
        endpoint: scenario.name,
        sqlPerRequest: sample.statements.length,
        redisRoundTripsPerRequest: sample.redisRoundTrips,
        api: await measure(
          {
            url: `http://127.0.0.1:${PORTS.api}`,
            pid: api.pid,
            helperPid: gateway.pid,
            counters: combinedCounters(
              serverCounters(`http://127.0.0.1:${PORTS.api}`, metricsToken),
              postgresCounters(sql, databaseName),
            ),
          },
          load,
          settings,
        ),
      };
      if (WORKER_ENDPOINTS.has(scenario.name) && workers.length > 0) {
        await settle();
        result.worker = await measureWorkers(workers, sql, databaseName, load, settings);
        // Reads only: replaying a write's captured SQL hundreds of times would pile up rows.
        if (scenario.ceiling.method === "GET")
          connectionCostBySize[size] = [
            ...(connectionCostBySize[size] ?? []),
            await measureConnectionCost(databaseUrl, scenario.name, sample.statements),
          ];
      }
      // A read's bytes must match the API's; a write answers with the row it just wrote.
      if (references && scenario.ceiling.method === "GET")
        result.sameBytes = await sameBytes(
          scenario.sample,
          `http://127.0.0.1:${PORTS.raw}`,
          `http://127.0.0.1:${PORTS.api}`,
        );
      if (references) {
        await settle();
        result.httpCeiling = await measure(
          { url: `http://127.0.0.1:${PORTS.http}`, pid: references.http.pid },
          load,
          settings,
        );
        await settle();
        result.rawCeiling = await measure(
          { url: `http://127.0.0.1:${PORTS.raw}`, pid: references.raw.pid },
          load,
          settings,
        );
        if (PLAIN_STACK_ENDPOINTS.has(scenario.name)) {
          await settle();
          result.plainStack = await measure(
            { url: `http://127.0.0.1:${PORTS.plain}`, pid: references.plain.pid },
            load,
            settings,
          );
        }
      }
      results.push(result);
      console.log(summary(result));
    }
    if (!args.only || "live events".includes(args.only)) {
      console.log(`[${size}] live events`);
      // Tickets of the manager's second team, apart from the 2,000 the PATCH endpoint rotates over.
      const probes = await sql<{ id: string; version: number }[]>`
        select t.id, t.version from tickets t join teams on teams.id = t.team_id
        where teams.name = 'Team 02' and t.deleted_at is null order by t.number desc limit 500`;
      const rate = { perSecond: 50, seconds: args.quick ? 10 : 30 };
      eventsBySize[size] = await measureEventLatency(`http://127.0.0.1:${PORTS.api}`, caller, probes, rate);
      console.log(`  ${JSON.stringify(eventsBySize[size])}`);
    }
    const patchScenario = allScenarios.find((scenario) => scenario.name.startsWith("PATCH /v1/tickets"));
    if (patchScenario && (!args.only || "webhooks".includes(args.only))) {
      console.log(`[${size}] webhooks`);
      const probes = () => sql<{ id: string; version: number }[]>`
        select t.id, t.version from tickets t join teams on teams.id = t.team_id
        where teams.name = 'Team 02' and t.deleted_at is null order by t.number asc limit 500`;
      webhooksBySize[size] = await measureWebhooks({
        baseUrl: `http://127.0.0.1:${PORTS.api}`,
        sql,
        caller,
        probes,
        // 10 PATCHes/s are 50 deliveries/s: within what one instance's job loop sends.
        rate: { perSecond: 10, seconds: args.quick ? 10 : 30 },
        writes: () =>
          measure(
            { url: `http://127.0.0.1:${PORTS.api}`, pid: api.pid, helperPid: gateway.pid },
            () => refreshVersions(sql, patchScenario),
            { ...settings, runs: 1 },
          ),
        // More turns than runs: a ratio of two noisy throughputs needs them (5 × 2 × (warm-up + run)).
        turns: 5,
      });
      console.log(`  ${JSON.stringify(webhooksBySize[size])}`);
    }
    if (!args.only || /comment|notification/.test(args.only)) {
      console.log(`[${size}] notification latency`);
      // Fresh tickets, so the probe's folds start from nothing the load left unread.
      const watched = await seedWatchedTickets(sql, 4, COMMENT_WATCHERS);
      const watcher = await login(`http://127.0.0.1:${PORTS.api}`, BENCH_WATCHER_EMAIL(1));
      // Below the comment's throughput (12 req/s in the quick run of docs/BENCHMARKS.md), so the
      // figure is delivery latency, not a queue of comments waiting for the database.
      const rate = { perSecond: 5, seconds: args.quick ? 10 : 30 };
      notificationsBySize[size] = await measureNotificationLatency(
        `http://127.0.0.1:${PORTS.api}`,
        caller,
        watcher,
        watched,
        rate,
      );
      console.log(`  ${JSON.stringify(notificationsBySize[size])}`);
    }
    // Comparisons of whole processes, at the run's first size only: per-request costs do not
    // depend on the number of tickets. Nothing else may write or relay meanwhile.
    const compare = (name: string) => size === sizes[0] && (!args.only || name.includes(args.only));
    const endpointsOf = (kinds: string[]) =>
      allScenarios
        .filter((scenario) => kinds.includes(scenario.ceiling.kind))
        .map((scenario) => ({ name: scenario.name, load: () => refreshVersions(sql, scenario) }));
    if (compare("budgets") || compare("memory")) await api.stop();
    if (compare("budgets")) {
      console.log(`[${size}] write-path budgets`);
      budgetsBySize[size] = await measureWriteBudgets({
        env: serverEnv,
        port: PORTS.api,
        shippedBundle: BUNDLES.api,
        nodeArgs: API_NODE_FLAGS,
        endpoints: endpointsOf(["update", "create"]),
        settings,
      });
    }
    if (compare("memory")) {
      console.log(`[${size}] memory: npm start's flags against Node's defaults`);
      memoryBySize[size] = await measureMemoryCost({
        env: serverEnv,
        port: PORTS.api,
        bundle: BUNDLES.api,
        nodeArgs: API_NODE_FLAGS,
        endpoints: endpointsOf(["ticket", "list", "update"]).filter((e) => !e.name.includes("q=")),
        settings,
      });
    }
    return results;
  } finally {
    await capture.close();
    await sql.end();
    await mailSink.stop();
    for (const started of processes.reverse()) await started.stop();
  }
}

/** The two ceilings and the plain stack, started together and waited for. */
async function startReferences(ceilingEnv: Record<string, string>, databaseUrl: string) {
  const http = startNode("http ceiling", BUNDLES.ceiling, {
    ...ceilingEnv,
    CEILING_MODE: "http",
    PORT: String(PORTS.http),
  });
  const raw = startNode("raw ceiling", BUNDLES.ceiling, {
    ...ceilingEnv,
    CEILING_MODE: "raw",
    PORT: String(PORTS.raw),
  });
  const plain = startNode("plain stack", BUNDLES.plain, {
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    JWT_SECRET: DEVELOPMENT_JWT_SECRET,
    PORT: String(PORTS.plain),
  });
  await Promise.all([
    waitForHttp(`http://127.0.0.1:${PORTS.http}/`),
    waitForHttp(`http://127.0.0.1:${PORTS.raw}/`),
    waitForHttp(`http://127.0.0.1:${PORTS.plain}/`),
  ]);
  return { http, raw, plain };
}

/** The bench manager, or a watcher seeded with the manager's password. */
async function login(baseUrl: string, email = BENCH_MANAGER.email): Promise<Caller> {
  const response = await fetch(`${baseUrl}/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password: BENCH_MANAGER.password }),
  });
  const body = (await response.json()) as { accessToken?: string; user?: { id: string } };
  if (!body.accessToken || !body.user)
    throw new Error(`login failed: ${response.status} ${JSON.stringify(body)}`);
  return { token: body.accessToken, userId: body.user.id };
}

/**
 * The raw ceiling must answer with exactly the API's bytes, or the comparison is unfair. Both are
 * asked now: the captured answer predates the capture's own writes, which a list may show.
 */
async function sameBytes(sample: { path: string; init: RequestInit }, baseUrl: string, apiUrl: string) {
  const answer = async (url: string) => (await fetch(`${url}${sample.path}`, sample.init)).text();
  const [body, expected] = await Promise.all([answer(baseUrl), answer(apiUrl)]);
  if (body !== expected)
    console.warn(`raw ceiling differs from the API for ${sample.path}:\n${body.slice(0, 300)}`);
  return body === expected;
}

function failedStatuses(statusCodes: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(statusCodes).filter(([status]) => Number(status) >= 300));
}

function summary(result: EndpointResult): string {
  const ratio = (ceiling?: Measurement) =>
    ceiling ? (result.api.requestsPerSecond / ceiling.requestsPerSecond).toFixed(2) : "-";
  const workers = Object.entries(result.worker ?? {}).map(
    ([variant, worker]) =>
      `\n  worker (${variant}) ${worker.requestsPerSecond} req/s ÷ node ${(worker.requestsPerSecond / result.api.requestsPerSecond).toFixed(2)}, p50/p99 ${worker.latencyMs.p50}/${worker.latencyMs.p99} ms, ${worker.cpuMsPerRequest} + ${worker.helperCpuMsPerRequest} (proxy) cpu ms/req, ${worker.perRequest?.pgSessions} PG connections/req, non-2xx ${worker.non2xx + worker.errors} ${JSON.stringify(failedStatuses(worker.statusCodes))}, app warnings and errors ${JSON.stringify(worker.appLog)}`,
  );
  return `  api ${result.api.requestsPerSecond} req/s p99 ${result.api.latencyMs.p99} ms, ${result.api.cpuMsPerRequest} cpu ms/req, non-2xx ${result.api.non2xx}; vs http ${ratio(result.httpCeiling)}, vs raw ${ratio(result.rawCeiling)}, vs plain stack ${ratio(result.plainStack)}${workers.join("")}`;
}

const started = new Date();
await Promise.all([
  bundleForNode("src/node.ts", BUNDLES.api),
  bundleForNode("src/gateway/main.ts", BUNDLES.gateway),
  bundleForNode("bench/ceiling-server.ts", BUNDLES.ceiling),
  bundleForNode("bench/plain-stack-server.ts", BUNDLES.plain),
  buildWritePathVariants(),
]);
const bySize: Record<string, EndpointResult[]> = {};
const eventsBySize: Record<string, EventLatency> = {};
const webhooksBySize: Record<string, WebhookBench> = {};
const notificationsBySize: Record<string, NotificationLatency> = {};
const budgetsBySize: Record<string, WriteBudget[]> = {};
const memoryBySize: Record<string, MemoryCost[]> = {};
const connectionCostBySize: Record<string, ConnectionCost[]> = {};
const report = {
  started,
  quick: args.quick,
  settings,
  command: `npm run bench -- ${process.argv.slice(2).join(" ")}`.trim(),
  sizes,
  bySize,
  eventsBySize,
  webhooksBySize,
  notificationsBySize,
  budgetsBySize,
  memoryBySize,
  connectionCostBySize,
};
// Written after every size (the same file, rewritten): a full run takes hours, and one stopped
// in its last size keeps what the others measured.
for (const size of sizes) {
  bySize[size] = await benchSize(size);
  writeResults(report);
}
if (args.profile) console.log(`CPU profiles of the API process: ${PROFILE_DIR}`);
