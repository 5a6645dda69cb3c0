import type postgres from "postgres";

/**
 * Waits until no other session runs a statement on the bench database, before a measurement
 * starts. A target that fell behind leaves its queued statements running after its load ends
 * (the plain stack's unindexed list at 1M kept PostgreSQL busy for the whole next measurement,
 * the API's search, which then read 20 req/s instead of 168). Gives up after `timeoutMs` and says so.
 * Then clears the dead rows earlier measurements left, where the server's autovacuum would.
 */
export async function settleDatabase(
  sql: postgres.Sql,
  databaseName: string,
  timeoutMs = 120_000,
): Promise<void> {
  await waitForIdle(sql, databaseName, timeoutMs);
  await vacuumLikeAutovacuum(sql);
}

/** `vacuumWhereDue` when the server's autovacuum is off; nothing when it is on and does it itself. */
export async function vacuumLikeAutovacuum(sql: postgres.Sql): Promise<void> {
  if (!(await autovacuumIsOn(sql))) await vacuumWhereDue(sql);
}

async function waitForIdle(sql: postgres.Sql, databaseName: string, timeoutMs: number): Promise<void> {
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

async function autovacuumIsOn(sql: postgres.Sql): Promise<boolean> {
  const [row] = await sql<{ on: boolean }[]>`select current_setting('autovacuum') = 'on' as on`;
  return row?.on ?? true;
}

/**
 * What autovacuum would have done by now with its default thresholds, for a server where it is
 * off (this project's test machines): `vacuum analyze` each table with more dead rows than 50 + 20 %
 * of its rows, `analyze` each with more changed rows than 50 + 10 %. Without it a long run slows
 * down as it goes: after the 10k size's write sections the events table held 433k dead rows beside
 * 257k live ones, and each webhook turn drained its backlog slower than the one before (233, 143,
 * 120, 91 and 85 deliveries/s). Returns the tables vacuumed and analyzed.
 */
export async function vacuumWhereDue(sql: postgres.Sql): Promise<{ vacuumed: string[]; analyzed: string[] }> {
  const due = await sql<{ table: string; vacuum: boolean; analyze: boolean }[]>`
    select format('%I.%I', s.schemaname, s.relname) as table,
           s.n_dead_tup > 50 + 0.2 * greatest(c.reltuples, 0) as vacuum,
           s.n_mod_since_analyze > 50 + 0.1 * greatest(c.reltuples, 0) as analyze
    from pg_stat_user_tables s join pg_class c on c.oid = s.relid`;
  const vacuumed: string[] = [];
  const analyzed: string[] = [];
  for (const { table, vacuum, analyze } of due) {
    if (vacuum) {
      await sql.unsafe(`vacuum (analyze) ${table}`);
      vacuumed.push(table);
    } else if (analyze) {
      await sql.unsafe(`analyze ${table}`);
      analyzed.push(table);
    }
  }
  return { vacuumed, analyzed };
}
