import type { Hyperdrive, R2Bucket } from "@cloudflare/workers-types";
import { ConfigError, parseConfig } from "../config/parse.ts";
import type { Config } from "../config/schema.ts";

/** What the Workers runtime hands the door: vars and secrets (strings) and bindings. */
export interface WorkerEnv {
  readonly HYPERDRIVE?: Hyperdrive;
  /** Static assets (wrangler.toml [assets]): the API reference page's script. */
  readonly ASSETS?: { fetch(url: string): Promise<Response> };
  /** Attachments (wrangler.toml [[r2_buckets]]); S3_* settings take its place when set. */
  readonly ATTACHMENTS?: R2Bucket;
  readonly [name: string]: unknown;
}

// The Node door can fall back on PGlite and an embedded gateway; a Worker has neither.
const REQUIRED_ON_WORKERS = ["DATABASE_URL", "UPSTASH_REDIS_REST_URL", "UPSTASH_REDIS_REST_TOKEN"] as const;

export type WorkerConfig = Config & { [Key in (typeof REQUIRED_ON_WORKERS)[number]]: string };

/**
 * Parses the env with the shared schema, DATABASE_URL coming from the Hyperdrive binding when one
 * is bound, and adds what only Workers require. Throws one ConfigError naming every bad key.
 */
export function parseWorkerConfig(env: WorkerEnv): WorkerConfig {
  const source: Readonly<Record<string, unknown>> = {
    ...env,
    DATABASE_URL: env.HYPERDRIVE?.connectionString ?? env.DATABASE_URL,
  };
  let schemaProblems: readonly string[] = [];
  try {
    const config = parseConfig(source);
    if (isWorkerConfig(config) && (env.ATTACHMENTS || config.S3_BUCKET)) return config;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    schemaProblems = error.problems;
  }
  const namedKeys = new Set(schemaProblems.map((problem) => problem.split(":")[0]));
  const workerProblems = REQUIRED_ON_WORKERS.filter((key) => !source[key] && !namedKeys.has(key)).map(
    (key) => `${key}: is required on Workers${key === "DATABASE_URL" ? " (or a HYPERDRIVE binding)" : ""}`,
  );
  if (source.EMBEDDED_GATEWAY === "true") workerProblems.push("EMBEDDED_GATEWAY: cannot run inside a Worker");
  if (!env.ATTACHMENTS && !source.S3_BUCKET)
    workerProblems.push("ATTACHMENTS: an R2 binding (or S3_* settings) is required on Workers");
  throw new ConfigError([...schemaProblems, ...workerProblems]);
}

function isWorkerConfig(config: Config): config is WorkerConfig {
  return REQUIRED_ON_WORKERS.every((key) => Boolean(config[key])) && !config.EMBEDDED_GATEWAY;
}
