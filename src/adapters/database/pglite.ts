import { mkdir } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import { drizzle } from "drizzle-orm/pglite";
import { migrate } from "drizzle-orm/pglite/migrator";
import * as schema from "../../db/schema.ts";
import { MIGRATIONS_FOLDER } from "./migrations.ts";
import { type NodeDatabase, queryLogger } from "./postgres.ts";

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
  const client = await PGlite.create(inMemory ? undefined : dataDir);
  const db = drizzle({ client, schema, casing: "snake_case", ...queryLogger(options.onQuery) });
  const database: NodeDatabase = {
    db,
    kind: "pglite",
    migrate: () => migrate(db, { migrationsFolder: MIGRATIONS_FOLDER }),
    // Idempotent like postgres.js's end(): PGlite throws when closed twice.
    close: async () => {
      if (!client.closed) await client.close();
    },
  };
  await database.migrate();
  return database;
}
