import { randomInt } from "node:crypto";
import postgres from "postgres";
import { describe, expect, inject, it } from "vitest";
import { benchDatabaseUrl, prepareDatabase } from "../../bench/database.ts";
import { BENCH_MANAGER } from "../../bench/seed.ts";

const postgresUrl = inject("postgresUrl");

describe("the bench's seeded database", () => {
  it.runIf(postgresUrl)(
    "has the manager report 1 in 100 of their teams' tickets, and is seeded again when the seed changed",
    async () => {
      const server = postgresUrl as string;
      // Its own size, so its own database (tixgenius_bench_<size>) beside any real bench's.
      const size = 4000 + randomInt(1000);
      const url = benchDatabaseUrl(server, size);
      const admin = postgres(server, { max: 1, onnotice: () => {} });
      try {
        await prepareDatabase(server, size);
        const sql = postgres(url, { max: 1, onnotice: () => {} });
        const managersTickets = () => sql<{ team: string }[]>`
          select teams.name as team from tickets
          join users on users.id = tickets.reporter_id join teams on teams.id = tickets.team_id
          where users.email = ${BENCH_MANAGER.email}`;
        try {
          const owned = await managersTickets();
          // Ticket i is the manager's when i mod 2000 is 0 or 1: Team 01's and Team 02's.
          const expected = Array.from({ length: size }, (_, i) => i + 1).filter((i) => i % 2000 < 2);
          expect(owned).toHaveLength(expected.length);
          expect(new Set(owned.map((row) => row.team))).toEqual(new Set(["Team 01", "Team 02"]));

          // A database seeded before the seed had a version is dropped and seeded again.
          await sql`alter table bench_seed drop column version`;
          await sql`create table left_by_the_old_seed (id int)`;
        } finally {
          await sql.end();
        }
        await prepareDatabase(server, size);
        const again = postgres(url, { max: 1, onnotice: () => {} });
        try {
          const [leftover] = await again`select 1 from pg_tables where tablename = 'left_by_the_old_seed'`;
          expect(leftover).toBeUndefined();
          const [marker] = await again<{ tickets: string }[]>`select tickets from bench_seed`;
          expect(Number(marker?.tickets)).toBe(size);

          // The same version is kept: only the run's own tickets are removed.
          await again`create table kept (id int)`;
        } finally {
          await again.end();
        }
        await prepareDatabase(server, size);
        const kept = postgres(url, { max: 1, onnotice: () => {} });
        try {
          expect(await kept`select 1 from pg_tables where tablename = 'kept'`).toHaveLength(1);
        } finally {
          await kept.end();
        }
      } finally {
        await admin.unsafe(`drop database if exists "tixgenius_bench_${size}" with (force)`);
        await admin.end({ timeout: 1 });
      }
    },
    60_000,
  );
});
