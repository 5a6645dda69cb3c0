import { drizzle } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import type { Database } from "../../db/database.ts";
import * as schema from "../../db/schema.ts";
import type { Metrics } from "../../lib/metrics/metrics.ts";
import { guardLostTransactions } from "./lost-transaction-guard.ts";
import { MIGRATIONS_FOLDER } from "./migrations.ts";
import { prepareEveryStatement } from "./prepare-every-statement.ts";
import { timedPostgres } from "./timed-postgres.ts";

export interface NodeDatabase {
  db: Database;
  kind: "postgres" | "pglite";
  /** Statements that can run at once: the pool's connections (PGlite has one). */
  connections: number;
  migrate(): Promise<void>;
  close(): Promise<void>;
}

export interface PostgresPoolOptions {
  maxConnections?: number;
  connectTimeoutSeconds?: number;
  /**
   * PostgreSQL's `statement_timeout`, sent at connect: the server cancels a statement that runs
   * (or waits for a lock) longer, and its transaction rolls back. Unset: no bound (migrations).
   */
  statementTimeoutMs?: number;
  /** Sees every SQL statement Drizzle sends (tests count them to catch N+1 queries). */
  onQuery?: (query: string, params: unknown[]) => void;
  /** Times every statement as a `postgres` dependency call. */
  metrics?: Metrics;
}

/** One postgres.js pool for the whole Node process. */
export function createPostgresDatabase(url: string, options: PostgresPoolOptions = {}): NodeDatabase {
  const connections = options.maxConnections ?? 10;
  const pool = postgres(url, {
    max: connections,
    connect_timeout: options.connectTimeoutSeconds ?? 5,
    idle_timeout: 30,
    // postgres.js waits up to 20 s between attempts after failed connects (one retry count for the
    // whole pool), and queries wait with it: a request would hang through an outage and for up to
    // 20 s after the server is back. Retrying a refused connection soon is cheap; fail and heal fast.
    backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 0.25),
    connection: {
      // Every statement here is a short OLTP one, and JIT compiles any plan whose estimate passes
      // jit_above_cost on every run: the webhook fan-out, while its plan misjudged the events
      // table, was JIT-compiled on each after-commit pass (issue 12's bench at 100k tickets).
      jit: "off",
      ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
    },
    onnotice: () => {},
  });
  const client = guardLostTransactions(pool);
  const prepared = prepareEveryStatement(client);
  const timed = options.metrics ? timedPostgres(prepared, options.metrics) : prepared;
  const db = drizzle({ client: timed, schema, casing: "snake_case", ...queryLogger(options.onQuery) });
  return {
    db,
    kind: "postgres",
    connections,
    migrate: () => migrate(db, { migrationsFolder: MIGRATIONS_FOLDER }),
    close: () => pool.end({ timeout: 5 }),
  };
}

export function queryLogger(onQuery: ((query: string, params: unknown[]) => void) | undefined) {
  return onQuery
    ? { logger: { logQuery: (query: string, params: unknown[]) => onQuery(query, params) } }
    : {};
}
