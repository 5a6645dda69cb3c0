import { drizzle } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import type { Database } from "../../db/database.ts";
import * as schema from "../../db/schema.ts";
import type { Metrics } from "../../lib/metrics/metrics.ts";
import { MIGRATIONS_FOLDER } from "./migrations.ts";
import { prepareEveryStatement } from "./prepare-every-statement.ts";
import { timedPostgres } from "./timed-postgres.ts";

export interface NodeDatabase {
  db: Database;
  kind: "postgres" | "pglite";
  migrate(): Promise<void>;
  close(): Promise<void>;
}

export interface PostgresPoolOptions {
  maxConnections?: number;
  connectTimeoutSeconds?: number;
  /** Sees every SQL statement Drizzle sends (tests count them to catch N+1 queries). */
  onQuery?: (query: string, params: unknown[]) => void;
  /** Times every statement as a `postgres` dependency call. */
  metrics?: Metrics;
}

/** One postgres.js pool for the whole Node process. */
export function createPostgresDatabase(url: string, options: PostgresPoolOptions = {}): NodeDatabase {
  const client = postgres(url, {
    max: options.maxConnections ?? 10,
    connect_timeout: options.connectTimeoutSeconds ?? 5,
    idle_timeout: 30,
    onnotice: () => {},
  });
  const prepared = prepareEveryStatement(client);
  const timed = options.metrics ? timedPostgres(prepared, options.metrics) : prepared;
  const db = drizzle({ client: timed, schema, casing: "snake_case", ...queryLogger(options.onQuery) });
  return {
    db,
    kind: "postgres",
    migrate: () => migrate(db, { migrationsFolder: MIGRATIONS_FOLDER }),
    close: () => client.end({ timeout: 5 }),
  };
}

export function queryLogger(onQuery: ((query: string, params: unknown[]) => void) | undefined) {
  return onQuery
    ? { logger: { logQuery: (query: string, params: unknown[]) => onQuery(query, params) } }
    : {};
}
