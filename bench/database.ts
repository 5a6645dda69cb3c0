import postgres from "postgres";
import { createPostgresDatabase } from "../src/adapters/database/postgres.ts";
import { createNativePasswordHasher } from "../src/adapters/passwords/native.ts";
import { BENCH_MANAGER, ensureSeeded, seedIsOutdated } from "./seed.ts";

/** One database per size (`tixgenius_bench_10000`, ...) on DATABASE_URL's server, kept between runs. */
export function benchDatabaseUrl(serverUrl: string, size: number): string {
  const url = new URL(serverUrl);
  url.pathname = `/tixgenius_bench_${size}`;
  return url.toString();
}

/** Creates, migrates (the project's drizzle migrations) and seeds the database for `size` tickets. */
export async function prepareDatabase(serverUrl: string, size: number): Promise<string> {
  const url = benchDatabaseUrl(serverUrl, size);
  const name = new URL(url).pathname.slice(1);
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  const [found] = await admin`select 1 from pg_database where datname = ${name}`;
  let exists = found !== undefined;
  if (exists && (await outdated(url))) {
    console.log(`${name} was seeded by an earlier version of the bench: seeding it again`);
    await admin.unsafe(`drop database "${name}" with (force)`);
    exists = false;
  }
  if (!exists) await admin.unsafe(`create database "${name}"`);
  await admin.end();

  const database = createPostgresDatabase(url, { maxConnections: 1 });
  await database.migrate();
  await database.close();

  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const hash = await createNativePasswordHasher().hash(BENCH_MANAGER.password);
    const seededMs = await ensureSeeded(sql, size, hash);
    if (seededMs > 0) console.log(`seeded ${size} tickets in ${(seededMs / 1000).toFixed(1)} s`);
    else console.log(`reusing ${size} seeded tickets in ${name}`);
    // Every run starts from the same state: the writes of earlier runs leave dead rows (150k in the
    // 1M database after one webhook section, every PATCH a non-HOT update), which autovacuum may not
    // have cleared (it is off on some machines): the search at 1M took 44 ms a query instead of 13.
    await sql.unsafe("vacuum analyze");
  } finally {
    await sql.end();
  }
  return url;
}

async function outdated(url: string): Promise<boolean> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return await seedIsOutdated(sql);
  } finally {
    await sql.end();
  }
}
