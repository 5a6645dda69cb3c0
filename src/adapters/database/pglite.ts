import { mkdir } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import { drizzle } from "drizzle-orm/pglite";
import { migrate } from "drizzle-orm/pglite/migrator";
import * as schema from "../../db/schema.ts";
import { MIGRATIONS_FOLDER } from "./migrations.ts";
import { type NodeDatabase, queryLogger } from "./postgres.ts";

/**
 * PGlite lays PostgreSQL's shared memory out in its WASM heap and touches all of it at start, so
 * the 128 MB default buffer pool is resident at once, for a development database of a few tens of
 * MB that the OS page cache holds anyway. 16 MB cut the quick start's RSS by ~120 MB (docs/SOAK.md).
 */
const EMBEDDED_SETTINGS = ["shared_buffers=16MB"];

/**
 * The embedded PostgreSQL used when no DATABASE_URL is given: persisted under `dataDir`, or in
 * memory for `memory://`. The same drizzle-kit migrations are applied before it is handed out.
 */
export async function createPgliteDatabase(
  dataDir: string,
  options: { onQuery?: (query: string, params: unknown[]) => void } = {},
): Promise<NodeDatabase> {
  const inMemory = dataDir === "memory://";
  if (!inMemory) await mkdir(dataDir, { recursive: true });
  const client = await PGlite.create(inMemory ? undefined : dataDir, {
    startParams: [...PGlite.defaultStartParams, ...EMBEDDED_SETTINGS.flatMap((setting) => ["-c", setting])],
  });
  const db = drizzle({ client, schema, casing: "snake_case", ...queryLogger(options.onQuery) });
  const database: NodeDatabase = {
    db,
    kind: "pglite",
    connections: 1,
    migrate: () => migrate(db, { migrationsFolder: MIGRATIONS_FOLDER }),
    // Idempotent like postgres.js's end(): PGlite throws when closed twice.
    close: async () => {
      if (!client.closed) await client.close();
    },
  };
  await database.migrate();
  return database;
}
