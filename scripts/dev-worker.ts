/**
 * `npm run dev:worker`: the Worker under `wrangler dev` (local workerd) against local services.
 * The Upstash REST gateway runs in this process (in front of REDIS_URL, or its memory backend);
 * PostgreSQL is DATABASE_URL (default: the local server), migrated first, as the Node door's
 * embedded database is. The Worker gets both as --var; extra arguments go to `wrangler dev`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { createPostgresDatabase } from "../src/adapters/database/postgres.ts";
import { DEVELOPMENT_JWT_SECRET } from "../src/config/schema.ts";
import { startGateway } from "../src/gateway/server.ts";
import { loadEnvironment } from "../src/node/env-file.ts";

const DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/postgres";

// `.env.development` (committed dev defaults) beneath the real environment, as the Node door reads it.
const env = loadEnvironment(process.cwd(), { ...process.env, NODE_ENV: "development" });
const port = env.WORKER_PORT ?? env.PORT ?? "8787";
const databaseUrl = env.DATABASE_URL || DEFAULT_DATABASE_URL;

const database = createPostgresDatabase(databaseUrl, { maxConnections: 1 });
try {
  await database.migrate();
} catch (error) {
  console.error(`Cannot migrate DATABASE_URL (is PostgreSQL running?): ${(error as Error).message}`);
  process.exit(1);
} finally {
  await database.close();
}

const gatewayToken = randomBytes(24).toString("hex");
const gateway = await startGateway({
  token: gatewayToken,
  backend: env.REDIS_URL ? { redisUrl: env.REDIS_URL } : "memory",
  port: 0,
});
console.log(`Upstash REST gateway on ${gateway.url} (backend: ${env.REDIS_URL ? "redis" : "memory"})`);

const vars: Record<string, string> = {
  DATABASE_URL: databaseUrl,
  UPSTASH_REDIS_REST_URL: gateway.url,
  UPSTASH_REDIS_REST_TOKEN: gatewayToken,
  JWT_SECRET: env.JWT_SECRET || DEVELOPMENT_JWT_SECRET,
};
if (env.LOG_LEVEL) vars.LOG_LEVEL = env.LOG_LEVEL;

const wranglerBin = join(
  dirname(createRequire(import.meta.url).resolve("wrangler/package.json")),
  "bin/wrangler.js",
);
const args = [wranglerBin, "dev", "--local", "--ip", "127.0.0.1", "--port", port];
args.push("--show-interactive-dev-session=false", ...process.argv.slice(2));
for (const [key, value] of Object.entries(vars)) args.push("--var", `${key}:${value}`);

const wrangler: ChildProcess = spawn(process.execPath, args, {
  stdio: "inherit",
  // Without internet, wrangler's lookup of request.cf data would stall every start.
  env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false" },
});

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    wrangler.kill(signal);
  });
}

wrangler.on("exit", (code, signal) => {
  gateway.close().finally(() => {
    process.exit(code ?? (signal ? 0 : 1));
  });
});
