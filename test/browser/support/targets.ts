import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { databaseUrlFor } from "../../support/services.ts";

const ROOT = new URL("../../..", import.meta.url).pathname;
const STARTUP_MS = 180_000;

export interface Target {
  url: string;
  close(): Promise<void>;
}

export interface TargetOptions {
  /** The frontend's origin, which the API must allow. */
  corsOrigin: string;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
}

/**
 * What both doors get beyond their defaults: the page's origin, streams short enough to end
 * during a test (the resume scenario waits for one to end), and rate limits that other suites
 * sharing this Redis from 127.0.0.1 cannot exhaust.
 */
function sharedEnv(options: TargetOptions): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "",
    NODE_ENV: "development",
    LOG_LEVEL: "warn",
    CORS_ORIGINS: options.corsOrigin,
    EVENT_STREAM_MAX_SECONDS: "10",
    RATE_LIMIT_ANONYMOUS: "10000/60",
    RATE_LIMIT_LOGIN: "1000/60",
    // Sign-in fails closed (503) when Redis is slower than this: give a busy machine time.
    RATE_LIMIT_TIMEOUT_MS: "5000",
    ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
  };
}

/** The Node server process (src/node.ts), on a scratch database seeded by `npm run db:seed`. */
export async function startNodeTarget(options: TargetOptions): Promise<Target> {
  const port = await freePort();
  const database = await scratchDatabase(options.databaseUrl);
  const env = { ...sharedEnv(options), ...database.env, SEED_DEMO: "false" };
  await runToEnd(["--import", "tsx", "scripts/db-seed.ts"], env);
  const server = startProcess(["--import", "tsx", "src/node.ts"], { ...env, PORT: String(port) });
  return ready(`http://127.0.0.1:${port}`, server, database.drop);
}

/**
 * `npm run dev:worker` as a developer runs it, on a database it must create, migrate and seed
 * itself; the env names the page's origin, which must win over wrangler.toml.
 */
export async function startWorkerTarget(options: TargetOptions & { databaseUrl: string }): Promise<Target> {
  const port = await freePort();
  const name = `tixgenius_browser_worker_${process.pid}_${Date.now()}`;
  const databaseUrl = databaseUrlFor(options.databaseUrl, name);
  const persist = await mkdtemp(join(tmpdir(), "tixgenius-wrangler-"));
  const env = { ...sharedEnv(options), DATABASE_URL: databaseUrl, WORKER_PORT: String(port) };
  const worker = startProcess(
    ["--import", "tsx", "scripts/dev-worker.ts", "--persist-to", persist, "--inspector-port", "0"],
    env,
  );
  return ready(`http://127.0.0.1:${port}`, worker, async () => {
    await rm(persist, { recursive: true, force: true });
    await dropDatabase(options.databaseUrl, name);
  });
}

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<void>;
}

function startProcess(args: string[], env: Record<string, string>): Started {
  let output = "";
  // Its own process group, so that wrangler's workerd children can be ended with it.
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  return { child, output: () => output, exited };
}

async function ready(url: string, started: Started, cleanUp: () => Promise<void>): Promise<Target> {
  const close = async () => {
    await stop(started);
    await cleanUp();
  };
  const deadline = Date.now() + STARTUP_MS;
  for (;;) {
    if (started.child.exitCode !== null) {
      await cleanUp();
      throw new Error(`${url} exited before it was ready:\n${started.output()}`);
    }
    const status = await fetch(`${url}/ready`).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) return { url, close };
    if (Date.now() > deadline) {
      await close();
      throw new Error(`${url} not ready (last status ${status}):\n${started.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function stop(started: Started): Promise<void> {
  const { child } = started;
  if (child.exitCode !== null || child.pid === undefined) return;
  const pid = child.pid;
  child.kill("SIGTERM");
  const killed = setTimeout(() => {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // already gone
    }
  }, 15_000);
  await started.exited;
  clearTimeout(killed);
  try {
    process.kill(-pid, "SIGKILL"); // anything of the group still running
  } catch {
    // the group is gone
  }
}

function runToEnd(args: string[], env: Record<string, string>): Promise<void> {
  const started = startProcess(args, env);
  return started.exited.then(() => {
    if (started.child.exitCode !== 0) throw new Error(`${args.join(" ")} failed:\n${started.output()}`);
  });
}

/** A fresh PostgreSQL database, or without PostgreSQL an embedded one in a scratch folder. */
async function scratchDatabase(
  baseUrl: string | undefined,
): Promise<{ env: Record<string, string>; drop: () => Promise<void> }> {
  if (!baseUrl) {
    const dataDir = await mkdtemp(join(tmpdir(), "tixgenius-browser-"));
    return { env: { DATA_DIR: dataDir }, drop: () => rm(dataDir, { recursive: true, force: true }) };
  }
  const name = `tixgenius_browser_node_${process.pid}_${Date.now()}`;
  await withAdmin(baseUrl, (sql) => sql.unsafe(`create database "${name}"`));
  return { env: { DATABASE_URL: databaseUrlFor(baseUrl, name) }, drop: () => dropDatabase(baseUrl, name) };
}

function dropDatabase(baseUrl: string, name: string): Promise<void> {
  return withAdmin(baseUrl, (sql) => sql.unsafe(`drop database if exists "${name}" with (force)`));
}

async function withAdmin(url: string, work: (sql: postgres.Sql) => Promise<unknown>): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await work(sql);
  } finally {
    await sql.end({ timeout: 1 });
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
