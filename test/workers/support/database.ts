import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { drizzle } from "drizzle-orm/pglite";
import { migrate } from "drizzle-orm/pglite/migrator";
import postgres from "postgres";
import { MIGRATIONS_FOLDER } from "../../../src/adapters/database/migrations.ts";
import { createPostgresDatabase } from "../../../src/adapters/database/postgres.ts";
import { assertPostgresReachable, databaseUrlFor } from "../../support/services.ts";

export interface WorkersDatabase {
  /** What the Worker connects to, over TCP like any PostgreSQL. */
  url: string;
  kind: "postgres" | "pglite-socket";
  close(): Promise<void>;
}

/**
 * A migrated database the Worker reaches over TCP: a fresh database on the given server, dropped
 * afterwards, or (no DATABASE_URL) in-memory PGlite behind pglite-socket's wire-protocol server.
 */
export function createWorkersDatabase(adminUrl: string | undefined): Promise<WorkersDatabase> {
  return adminUrl ? createPostgresServerDatabase(adminUrl) : createPgliteSocketDatabase();
}

async function createPostgresServerDatabase(adminUrl: string): Promise<WorkersDatabase> {
  await assertPostgresReachable(adminUrl);
  const name = `tixgenius_workers_${process.pid}_${Date.now()}`;
  await withAdmin(adminUrl, (sql) => sql.unsafe(`create database "${name}"`));
  const url = databaseUrlFor(adminUrl, name);
  const database = createPostgresDatabase(url, { maxConnections: 1 });
  await database.migrate();
  await database.close();
  return {
    url,
    kind: "postgres",
    close: () => withAdmin(adminUrl, (sql) => sql.unsafe(`drop database if exists "${name}" with (force)`)),
  };
}

// pglite-socket accepts one connection unless told otherwise and drops the rest at once (it sets
// the net server's maxConnections), which postgres.js reports as "Network connection lost". The
// Worker opens up to 5 per request and workerd closes them lazily after each request, so bursts
// (the role matrix signs in dozens of users) need far more room than the requests in flight.
// Queries are serialised through one queue anyway, so the number of sockets costs nothing.
const PGLITE_MAX_CONNECTIONS = 512;

async function createPgliteSocketDatabase(): Promise<WorkersDatabase> {
  const pglite = await PGlite.create();
  await migrate(drizzle({ client: pglite }), { migrationsFolder: MIGRATIONS_FOLDER });
  const server = new PGLiteSocketServer({
    db: pglite,
    host: "127.0.0.1",
    port: 0,
    maxConnections: PGLITE_MAX_CONNECTIONS,
  });
  await server.start();
  return {
    url: `postgres://postgres@${server.getServerConn()}/postgres`,
    kind: "pglite-socket",
    async close() {
      await server.stop();
      await pglite.close();
    },
  };
}

async function withAdmin(url: string, work: (sql: postgres.Sql) => Promise<unknown>): Promise<void> {
  const sql = postgres(url, { max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    await work(sql);
  } finally {
    await sql.end({ timeout: 1 });
  }
}
