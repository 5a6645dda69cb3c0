import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { bundleForNode } from "../../scripts/node-bundle.ts";
import { type Started, startNode, waitForHttp } from "../processes.ts";
import { unlimitedRateLimits } from "../rate-limits.ts";

export interface SoakStack {
  apiUrl: string;
  metricsToken: string;
  /** A direct connection to the soak's Redis, for PUBSUB and CLIENT LIST. */
  redis: Redis;
  /** Where the API's JSON log goes (read it when a check fails). */
  apiLog: string;
  stop(): Promise<void>;
}

export interface StackOptions {
  databaseUrl: string;
  /** Streams end after this long, so each run exercises the client's resume. */
  streamMaxSeconds: number;
}

/**
 * Bundled as `npm run build` bundles the API (what `npm start` and the image run); inside the
 * checkout, so their external packages resolve from node_modules.
 */
const BUNDLES = { api: "dist/soak/node.mjs", gateway: "dist/soak/gateway.mjs" };

/**
 * The real stack, each part in its own process: a Redis server of the soak's own (so PUBSUB and
 * CLIENT LIST counts are the soak's and nobody else's), the Upstash gateway in front of it, and
 * the API (`src/node.ts`, bundled as it ships) on the soak database with rate limits that never
 * trip and /metrics enabled.
 */
export async function startSoakStack(options: StackOptions): Promise<SoakStack> {
  await Promise.all([
    bundleForNode("src/node.ts", BUNDLES.api),
    bundleForNode("src/gateway/main.ts", BUNDLES.gateway),
  ]);
  const [redisPort, gatewayPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const redisServer = await startRedisServer(redisPort);
  const redisUrl = `redis://127.0.0.1:${redisPort}`;
  const gatewayToken = randomBytes(24).toString("hex");
  const metricsToken = randomBytes(24).toString("hex");
  const apiLog = join(tmpdir(), `tixgenius-soak-api-${process.pid}.log`);
  const processes: Started[] = [];
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  const stop = async () => {
    for (const started of processes.reverse()) await started.stop();
    redis.disconnect();
    await stopChild(redisServer);
  };
  try {
    await redis.connect();
    processes.push(
      startNode("gateway", BUNDLES.gateway, {
        GATEWAY_PORT: String(gatewayPort),
        UPSTASH_REDIS_REST_TOKEN: gatewayToken,
        REDIS_URL: redisUrl,
      }),
    );
    await waitForHttp(`http://127.0.0.1:${gatewayPort}/`);
    const api = startNode(
      "api",
      BUNDLES.api,
      {
        NODE_ENV: "development",
        PORT: String(apiPort),
        DATABASE_URL: options.databaseUrl,
        UPSTASH_REDIS_REST_URL: `http://127.0.0.1:${gatewayPort}`,
        UPSTASH_REDIS_REST_TOKEN: gatewayToken,
        JWT_SECRET: randomBytes(32).toString("hex"),
        METRICS_TOKEN: metricsToken,
        LOG_LEVEL: "info",
        EVENT_STREAM_MAX_SECONDS: String(options.streamMaxSeconds),
        ...unlimitedRateLimits(),
        // The default 300 ms treats a gateway round trip slowed by a starved CPU (a shared 2-core
        // machine) as Redis being down: auth routes then answer 503 by design. The soak looks for
        // faults of the code, not for that budget, so it gives Redis 2 s.
        RATE_LIMIT_TIMEOUT_MS: "2000",
        // A mail server as deployed: without one, development starts the in-process mail catcher
        // (maildev, a dev convenience with its own web server), whose memory is not the API's.
        // No mail is sent during the soak; a job that tried would retry, not fail the traffic.
        SMTP_URL: "smtp://127.0.0.1:1",
      },
      // Node's defaults, not `npm start`'s flags: with --max-semi-space-size=16 one CI run's RSS
      // level reached 1.096 x its baseline (limit 1.10) as the old generation kept growing after
      // the warm-up; see docs/SOAK.md.
      [],
      apiLog,
    );
    processes.push(api);
    await waitForHttp(`http://127.0.0.1:${apiPort}/health`);
    return { apiUrl: `http://127.0.0.1:${apiPort}`, metricsToken, redis, apiLog, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function startRedisServer(port: number): Promise<ChildProcess> {
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    { stdio: "ignore" },
  );
  child.once("error", (error) => console.error(`redis-server could not start: ${error.message}`));
  const probe = new Redis(port, "127.0.0.1", {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  probe.on("error", () => {});
  try {
    for (let attempt = 0; ; attempt++) {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
      try {
        await probe.connect();
        await probe.ping();
        return child;
      } catch (error) {
        if (attempt >= 50) throw new Error(`redis-server on port ${port} did not come up: ${String(error)}`);
        probe.disconnect();
        await sleep(100);
      }
    }
  } finally {
    probe.disconnect();
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  await exited;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  if (!address || typeof address === "string") throw new Error("no port");
  return address.port;
}
