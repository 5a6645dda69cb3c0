import { ConfigSchema, DEVELOPMENT_JWT_SECRET } from "../src/config/schema.ts";

/** Not the shared `postgres` database: dev:worker creates, migrates and seeds its own. */
export const DEFAULT_WORKER_DATABASE = "tixgenius_worker_dev";
export const DEFAULT_WORKER_DATABASE_URL = `postgres://postgres@127.0.0.1:5432/${DEFAULT_WORKER_DATABASE}`;

/**
 * Keys the Node door reads that mean nothing to the Worker, or that this script settles itself:
 * the Worker reaches Redis only through the Upstash REST gateway this script starts.
 */
const NOT_FOR_THE_WORKER = new Set([
  "PORT",
  "DATA_DIR",
  "REDIS_URL",
  "EMBEDDED_GATEWAY",
  "UPSTASH_REDIS_REST_URL",
  "UPSTASH_REDIS_REST_TOKEN",
]);

export interface WorkerDevSettings {
  port: string;
  databaseUrl: string;
  redisUrl: string | undefined;
  /** Passed as `--var`, which wins over wrangler.toml's [vars]. */
  vars: Record<string, string>;
}

/**
 * What `npm run dev:worker` hands the Worker: every config key set in `environment` (the real
 * environment over `.env.development`, as `npm run dev` reads them), so that a value exported in
 * the shell, CORS_ORIGINS included, wins over wrangler.toml as it wins over the env file on Node.
 */
export function workerDevSettings(environment: Record<string, string | undefined>): WorkerDevSettings {
  const databaseUrl = environment.DATABASE_URL || DEFAULT_WORKER_DATABASE_URL;
  const vars: Record<string, string> = {};
  for (const key of Object.keys(ConfigSchema.shape)) {
    const value = environment[key];
    if (value && !NOT_FOR_THE_WORKER.has(key)) vars[key] = value;
  }
  vars.NODE_ENV = "development";
  vars.DATABASE_URL = databaseUrl;
  vars.JWT_SECRET ||= DEVELOPMENT_JWT_SECRET;
  return {
    port: environment.WORKER_PORT || environment.PORT || "8787",
    databaseUrl,
    redisUrl: environment.REDIS_URL || undefined,
    vars,
  };
}

/** `wrangler dev` arguments; `extra` (the script's own arguments) come before the vars. */
export function wranglerDevArgs(settings: WorkerDevSettings, extra: readonly string[]): string[] {
  const args = ["dev", "--local", "--ip", "127.0.0.1", "--port", settings.port];
  args.push("--show-interactive-dev-session=false", ...extra);
  for (const [key, value] of Object.entries(settings.vars)) args.push("--var", `${key}:${value}`);
  return args;
}
