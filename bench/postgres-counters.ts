import type postgres from "postgres";

/**
 * PostgreSQL's own counters for the bench database (pg_stat_database): `sessions` counts every
 * backend started, so its delta per request is the connections a target opens per request (0 for
 * a pool, 1+ for a client per request); `transactions` is commits + rollbacks. Backends flush these
 * counters when idle, at most once a second, so a run's figure can trail by a second's worth.
 */
export function postgresCounters(sql: postgres.Sql, database: string) {
  return async (): Promise<Record<string, number>> => {
    const [row] = await sql<{ sessions: string; transactions: string }[]>`
      select sessions, xact_commit + xact_rollback as transactions
      from pg_stat_database where datname = ${database}`;
    return { pgSessions: Number(row?.sessions ?? 0), pgTransactions: Number(row?.transactions ?? 0) };
  };
}

/** Several counter sources read as one (the API's /metrics and PostgreSQL's). */
export function combinedCounters(...sources: (() => Promise<Record<string, number>>)[]) {
  return async () => Object.assign({}, ...(await Promise.all(sources.map((read) => read()))));
}
