import { type SQL, sql } from "drizzle-orm";

/**
 * Marks a statement whose best plan depends on its parameters' values, so the Node pool, which
 * prepares every other statement by name (src/adapters/database/prepare-every-statement.ts),
 * sends it unnamed: PostgreSQL then plans it with the values each time. A full-text match is
 * one: after five runs of a named statement PostgreSQL may switch to a generic plan, which
 * cannot know how common the searched word is. For a word in a quarter of 1M tickets it chose
 * the GIN index and a read of every match (850 ms a query) over walking the newest tickets (8 ms).
 * A tag filter is another (its generic plan: 585 ms against 3.5 ms for a tag on a tenth of them),
 * and so is the job claim, whose table grows from a few rows to tens of thousands under a burst.
 */
const MARK = "/* planned per run */";

export function plannedPerRun(fragment: SQL): SQL {
  return sql`${fragment} ${sql.raw(MARK)}`;
}

export function isPlannedPerRun(query: string): boolean {
  return query.includes(MARK);
}
