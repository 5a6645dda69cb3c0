import type postgres from "postgres";
import type { Metrics } from "../../lib/metrics/metrics.ts";
import { interceptStatements, type Unsafe } from "./statement-interceptor.ts";

type Client = postgres.Sql | postgres.TransactionSql;

/**
 * The postgres.js client with every statement timed for the dependency metrics, from the moment
 * Drizzle sends it (waiting for a pooled connection included) until it settles, in transactions
 * and savepoints too.
 */
export function timedPostgres<C extends Client>(client: C, metrics: Metrics): C {
  return interceptStatements(
    client,
    (unsafe) => ((...args: Parameters<Unsafe>) => observe(unsafe(...args), metrics)) as Unsafe,
  );
}

/**
 * Watches a pending query without starting it: postgres.js queries are lazy promises that run
 * when first awaited, and Promise.prototype.then, unlike the query's own `then`, only subscribes.
 */
function observe<Query extends Promise<unknown>>(query: Query, metrics: Metrics): Query {
  const startedAt = performance.now();
  const report = (ok: boolean) =>
    metrics.dependencyCall("postgres", (performance.now() - startedAt) / 1000, ok);
  Promise.prototype.then.call(
    query,
    () => report(true),
    (error: unknown) => report(!dependencyFailed(error)),
  );
  return query;
}

// Connection exceptions, insufficient resources, operator intervention (shutdown, statement
// timeout), system and internal errors: the server could not serve the statement.
const FAILURE_CLASSES = /^(08|53|57|58|XX)/;

/**
 * A statement PostgreSQL answered with an error of its own (a unique violation, a serialization
 * conflict) is an answer the API turns into a 4xx or a retry, not a failing dependency; lost or
 * refused connections, timeouts and a server that cannot serve are failures.
 */
function dependencyFailed(error: unknown): boolean {
  if (!(error instanceof Error) || error.name !== "PostgresError") return true;
  const code = (error as { code?: unknown }).code;
  return typeof code !== "string" || FAILURE_CLASSES.test(code);
}
