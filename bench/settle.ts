import type postgres from "postgres";

/**
 * Waits until no other session runs a statement on the bench database, before a measurement
 * starts. A target that fell behind leaves its queued statements running after its load ends
 * (the plain stack's unindexed list at 1M kept PostgreSQL busy for the whole next measurement,
 * the API's search, which then read 20 req/s instead of 168). Gives up after `timeoutMs` and says so.
 */
export async function settleDatabase(
  sql: postgres.Sql,
  databaseName: string,
  timeoutMs = 120_000,
): Promise<void> {
  const started = performance.now();
  let quietChecks = 0;
  while (quietChecks < 3) {
    const [row] = await sql<{ active: number }[]>`
      select count(*)::int as active from pg_stat_activity
      where datname = ${databaseName} and state = 'active' and pid <> pg_backend_pid()`;
    quietChecks = (row?.active ?? 0) === 0 ? quietChecks + 1 : 0;
    if (performance.now() - started > timeoutMs) {
      console.log(`  (the database was still busy after ${timeoutMs / 1000} s; measuring anyway)`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const waitedMs = performance.now() - started;
  if (waitedMs > 1000)
    console.log(`  (waited ${(waitedMs / 1000).toFixed(1)} s for the database to finish earlier work)`);
}
