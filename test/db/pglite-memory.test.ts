import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createPgliteDatabase } from "../../src/adapters/database/pglite.ts";

/** PostgreSQL's size setting (e.g. "16MB", "128MB", "8kB") in bytes. */
function bytesOf(setting: string): number {
  const match = /^(\d+)(kB|MB|GB)$/.exec(setting);
  if (!match) throw new Error(`unexpected size ${setting}`);
  return Number(match[1]) * { kB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 }[match[2] as "kB" | "MB" | "GB"];
}

describe("the embedded PGlite database", () => {
  // PGlite touches its whole buffer pool inside the WASM heap at start: PostgreSQL's 128 MB default
  // is resident from the first second, for a database of a few tens of MB (docs/SOAK.md).
  it("runs with a buffer pool sized for a development database, not PostgreSQL's 128 MB default", async () => {
    const database = await createPgliteDatabase("memory://");
    try {
      const result = await database.db.execute(sql`show shared_buffers`);
      const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as {
        shared_buffers: string;
      }[];
      expect(bytesOf(rows[0]?.shared_buffers ?? "")).toBeLessThanOrEqual(16 * 1024 ** 2);
      // Still a working database.
      expect(await database.db.execute(sql`select 1 as one`)).toBeDefined();
    } finally {
      await database.close();
    }
  }, 90_000); // a fresh PGlite runs initdb: tens of seconds on a loaded 2-core machine
});
