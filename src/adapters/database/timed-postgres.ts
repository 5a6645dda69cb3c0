import type postgres from "postgres";
import type { Metrics } from "../../lib/metrics/metrics.ts";

type Client = postgres.Sql | postgres.TransactionSql;
type Callback = (sql: postgres.TransactionSql) => unknown;

/**
 * The postgres.js client with every statement timed for the dependency metrics, from the moment
 * Drizzle sends it (waiting for a pooled connection included) until it settles. Drizzle sends
 * statements through `unsafe` and opens transactions with `begin` and `savepoint`, whose callbacks
 * get a client of their own: that one is wrapped the same way. Everything else passes through.
 */
export function timedPostgres<C extends Client>(client: C, metrics: Metrics): C {
  const overrides: Partial<Record<PropertyKey, unknown>> = {
    unsafe: (...args: Parameters<postgres.Sql["unsafe"]>) => observe(client.unsafe(...args), metrics),
    begin: (...args: unknown[]) => withTimedCallback(client, "begin", args, metrics),
    savepoint: (...args: unknown[]) => withTimedCallback(client, "savepoint", args, metrics),
  };
  return new Proxy(client, {
    get: (target, property) => overrides[property] ?? Reflect.get(target, property),
  });
}

/** `begin([options], callback)` and `savepoint([name], callback)`: the callback is the last argument. */
function withTimedCallback(client: Client, method: "begin" | "savepoint", args: unknown[], metrics: Metrics) {
  const callback = args.pop() as Callback;
  const timedCallback: Callback = (sql) => callback(timedPostgres(sql, metrics));
  const run = (client as unknown as Record<typeof method, (...rest: unknown[]) => Promise<unknown>>)[method];
  return run.apply(client, [...args, timedCallback]);
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
