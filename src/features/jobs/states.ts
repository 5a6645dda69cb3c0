import { sql } from "drizzle-orm";
import { jobs } from "../../db/schema.ts";

/**
 * A job's state as a literal, never a parameter: the partial indexes on `jobs` (due, lease, running
 * group) match only a literal, and the generic plan PostgreSQL keeps for a prepared statement after
 * five runs sees a parameter there, so it scanned the whole table on every claim (over a second
 * per claim after a webhook burst, under 1 delivery/s: issue 12's bench).
 */
export const jobIsPending = sql`${jobs.state} = 'pending'`;
export const jobIsRunning = sql`${jobs.state} = 'running'`;
