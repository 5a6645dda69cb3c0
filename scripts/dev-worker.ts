/**
 * `npm run dev:worker`: the Worker under `wrangler dev` (local workerd) against local services.
 * PostgreSQL is DATABASE_URL, by default a database of its own on the local server
 * (DEFAULT_WORKER_DATABASE_URL), created if missing, then migrated and seeded as `npm run db:seed`
 * does. The Upstash REST gateway runs in this process (in front of REDIS_URL, or its memory
 * backend). Config comes from the environment over `.env.development`, as for `npm run dev`, and
 * wins over wrangler.toml's [vars]; extra arguments go to `wrangler dev`.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import postgres from "postgres";
import { startGateway } from "../src/gateway/server.ts";
import { loadEnvironment } from "../src/node/env-file.ts";
import { workerDevSettings, wranglerDevArgs } from "./dev-worker-settings.ts";

const env = loadEnvironment(process.cwd(), { ...process.env, NODE_ENV: "development" });
const settings = workerDevSettings(env);

try {
  await createDatabaseIfMissing(settings.databaseUrl);
} catch (error) {
  console.error(
    `Cannot reach PostgreSQL for ${redacted(settings.databaseUrl)} (is it running?): ${(error as Error).message}`,
  );
  process.exit(1);
}
// The seed script migrates first; it reads the same environment, with this database.
const seed = spawnSync(process.execPath, ["--import", "tsx", "scripts/db-seed.ts"], {
  stdio: "inherit",
  env: { ...process.env, NODE_ENV: "development", DATABASE_URL: settings.databaseUrl },
});
if (seed.status !== 0) {
  console.error(`Cannot migrate and seed ${redacted(settings.databaseUrl)}.`);
  process.exit(1);
}

const gatewayToken = randomBytes(24).toString("hex");
const gateway = await startGateway({
  token: gatewayToken,
  backend: settings.redisUrl ? { redisUrl: settings.redisUrl } : "memory",
  port: 0,
});
console.log(`Upstash REST gateway on ${gateway.url} (backend: ${settings.redisUrl ? "redis" : "memory"})`);
settings.vars.UPSTASH_REDIS_REST_URL = gateway.url;
settings.vars.UPSTASH_REDIS_REST_TOKEN = gatewayToken;

const wranglerBin = join(
  dirname(createRequire(import.meta.url).resolve("wrangler/package.json")),
  "bin/wrangler.js",
);
const wrangler: ChildProcess = spawn(
  process.execPath,
  [wranglerBin, ...wranglerDevArgs(settings, process.argv.slice(2))],
  {
    stdio: "inherit",
    // Without internet, wrangler's lookup of request.cf data would stall every start.
    env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false" },
  },
);

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

/** Connects to the server's `postgres` database to create the named one (as CREATE DATABASE must). */
async function createDatabaseIfMissing(url: string): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  const maintenance = new URL(url);
  maintenance.pathname = "/postgres";
  const sql = postgres(maintenance.toString(), { max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    const [found] = await sql`select 1 from pg_database where datname = ${name}`;
    if (found) return;
    await sql.unsafe(`create database "${name.replaceAll('"', '""')}"`).catch((error: { code?: string }) => {
      if (error.code !== "42P04") throw error; // created meanwhile by another start
    });
    console.log(`Created database ${name}`);
  } finally {
    await sql.end({ timeout: 1 });
  }
}

function redacted(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = "***";
  return parsed.toString();
}
