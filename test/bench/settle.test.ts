import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { describe, expect, inject, it } from "vitest";
import { vacuumWhereDue } from "../../bench/settle.ts";
import { databaseUrlFor } from "../support/services.ts";

const postgresUrl = inject("postgresUrl");

describe("the bench's vacuum where autovacuum would have run", () => {
  it.runIf(postgresUrl)(
    "vacuums the tables past autovacuum's thresholds, analyzes the changed ones, leaves the rest",
    async () => {
      const url = postgresUrl as string;
      const name = `tixgenius_vacuum_${randomBytes(5).toString("hex")}`;
      const admin = postgres(url, { max: 1, onnotice: () => {} });
      await admin.unsafe(`create database "${name}"`);
      const sql = postgres(databaseUrlFor(url, name), { max: 1, onnotice: () => {} });
      try {
        for (const table of ["bloated", "changed", "quiet"])
          await sql.unsafe(`create table ${table} (id int primary key, note text)`);
        for (const table of ["bloated", "changed", "quiet"])
          await sql.unsafe(`insert into ${table} select n, 'x' from generate_series(1, 2000) n`);
        // This backend's counts reach the shared statistics when it goes idle: before the analyze,
        // or its inserts would count as changes since.
        await sql`select pg_stat_force_next_flush()`;
        await sql.unsafe("vacuum analyze");
        await sql.unsafe("delete from bloated where id <= 1000"); // 1,000 dead rows of 2,000: past 50 + 20 %
        await sql.unsafe("insert into changed select n, 'x' from generate_series(2001, 2400) n"); // 400 new: past 50 + 10 %
        await sql.unsafe("delete from quiet where id <= 20"); // 20 dead rows: under both
        await sql`select pg_stat_force_next_flush()`;

        expect(await vacuumWhereDue(sql)).toEqual({
          vacuumed: ["public.bloated"],
          analyzed: ["public.changed"],
        });
        await sql`select pg_stat_force_next_flush()`;
        const [bloated] = await sql<{ dead: number }[]>`
        select n_dead_tup::int as dead from pg_stat_user_tables where relname = 'bloated'`;
        expect(bloated?.dead).toBe(0);
        expect(await vacuumWhereDue(sql)).toEqual({ vacuumed: [], analyzed: [] });
      } finally {
        await sql.end();
        await admin.unsafe(`drop database if exists "${name}" with (force)`);
        await admin.end({ timeout: 1 });
      }
    },
  );
});
