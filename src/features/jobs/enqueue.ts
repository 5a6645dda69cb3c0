import { type SQL, sql } from "drizzle-orm";
import type { Database } from "../../db/database.ts";
import { jobs } from "../../db/schema.ts";
import type { Deps } from "../../deps.ts";
import type { JobKind } from "./handlers.ts";

type Tx = Pick<Database, "insert">;

export interface NewJob {
  kind: JobKind;
  payload: Record<string, unknown>;
  /** Default: now. */
  runAt?: Date;
  /** Concurrency group, e.g. `webhook:${endpointId}`; the kind's groupConcurrency caps it. */
  group?: string;
}

/**
 * Writes jobs inside the caller's transaction, in one insert: they exist exactly when the change
 * commits. Call kickJobs(deps) after the commit so they start at once instead of at the next poll.
 * Returns the new jobs' ids in the order given.
 */
export async function enqueueJobs(tx: Tx, newJobs: readonly NewJob[]): Promise<string[]> {
  if (newJobs.length === 0) return [];
  const rows = await tx
    .insert(jobs)
    .values(
      newJobs.map((job) => ({
        kind: job.kind,
        payload: job.payload,
        group: job.group ?? null,
        ...(job.runAt ? { runAt: job.runAt } : {}),
      })),
    )
    .returning({ id: jobs.id });
  return rows.map((row) => row.id);
}

/**
 * The SQL of an insert of one pending job, due now, per row of `rows` (a CTE of the caller's
 * statement), for a statement that writes the work and its jobs at once: no ids travel to the
 * application and back. `payload` and `group` are expressions over those rows. Returns one row per job.
 */
export function insertJobsFrom(kind: JobKind, rows: SQL, job: { payload: SQL; group: SQL }): SQL {
  return sql`insert into ${jobs} (kind, payload, group_key)
    select ${kind}, ${job.payload}, ${job.group} from ${rows}
    returning 1`;
}

/** After commit, off the response path: wakes the Node job loop, or sends due jobs to the Queue. */
export function kickJobs(deps: Pick<Deps, "jobs">): void {
  deps.jobs.kick();
}
