import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { describe, expect, inject, it } from "vitest";
import { createPgliteDatabase } from "../../src/adapters/database/pglite.ts";
import { createPostgresDatabase, type NodeDatabase } from "../../src/adapters/database/postgres.ts";
import { databaseUrlFor } from "../support/services.ts";

const SCHEMA_QUERY = sql`
  select 'column' as kind, table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable
         || ' default ' || coalesce(column_default, '-') as definition
    from information_schema.columns where table_schema = 'public'
  union all
  select 'index', indexdef from pg_indexes where schemaname = 'public'
  union all
  select 'type', t.typname || ' ' || string_agg(e.enumlabel, ',' order by e.enumsortorder)
    from pg_type t join pg_enum e on e.enumtypid = t.oid group by t.typname
  order by 1, 2`;

async function describeSchema(database: NodeDatabase): Promise<string[]> {
  const result = (await database.db.execute(SCHEMA_QUERY)) as unknown;
  const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as {
    kind: string;
    definition: string;
  }[];
  return rows.map((row) => `${row.kind}: ${row.definition}`);
}

describe("migrations", () => {
  it("apply on the embedded PGlite and create timestamptz columns", async () => {
    const pglite = await createPgliteDatabase("memory://");
    try {
      const schema = await describeSchema(pglite);
      expect(schema).toContain("column: users.created_at timestamp with time zone NO default now()");
      expect(schema.some((line) => line.startsWith("index:") && line.includes("lower(email)"))).toBe(true);
      await pglite.migrate();
      expect(await describeSchema(pglite)).toEqual(schema);
    } finally {
      await pglite.close();
    }
  });

  const postgresUrl = inject("postgresUrl");
  it.runIf(postgresUrl)("produce the same schema on real PostgreSQL as on PGlite", async () => {
    const url = postgresUrl as string;
    const name = `tixgenius_migrate_${randomBytes(5).toString("hex")}`;
    const admin = postgres(url, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database "${name}"`);
    const real = createPostgresDatabase(databaseUrlFor(url, name), { maxConnections: 1 });
    const pglite = await createPgliteDatabase("memory://");
    try {
      await real.migrate();
      expect(await describeSchema(real)).toEqual(await describeSchema(pglite));
    } finally {
      await real.close();
      await pglite.close();
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end({ timeout: 1 });
    }
  });
});
