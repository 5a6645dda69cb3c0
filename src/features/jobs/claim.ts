import { and, asc, getTableColumns, inArray, lte, type SQL, sql } from "drizzle-orm";
import type { Database } from "../../db/database.ts";
import { plannedPerRun } from "../../db/plan-per-run.ts";
import { type JobRow, jobs } from "../../db/schema.ts";
import { DEFAULT_JOB_TIMEOUT_MS, type JobRegistry } from "./handlers.ts";
import { jobIsPending, jobIsRunning } from "./states.ts";

/** Any int4 would do; it only has to be the same for every claimer. The second key is the group's hash. */
const JOB_GROUP_LOCK = 741_506_202;

/**
 * A lease outlives the run's timeout by this much, so the runner records the outcome (a few
 * statements) before anyone may take the job again.
 */
export const LEASE_MARGIN_MS = 30_000;

export interface ClaimOptions {
  limit: number;
  /** Only these jobs (a Queue message names one); otherwise any due job of the registry's kinds. */
  ids?: readonly string[];
}

export type ClaimedJob = JobRow & {
  /** Seconds from due to claimed, by PostgreSQL's clock. */
  waitedSeconds: number;
};

/**
 * Claims up to `limit` due pending jobs of the registry's kinds, oldest first, in one short
 * transaction: the rows are locked FOR UPDATE SKIP LOCKED (concurrent claimers take different
 * rows, never wait on each other), then marked running with a lease and one more attempt. Groups
 * with a cap are locked with a transaction-scoped advisory lock (in a fixed order, so claimers
 * cannot deadlock) while their running jobs are counted, so two instances cannot both take the
 * last free slot. Kinds this registry does not know are left for a runner that does.
 */
export async function claimDueJobs(
  db: Database,
  registry: JobRegistry,
  options: ClaimOptions,
): Promise<ClaimedJob[]> {
  if (options.limit < 1 || registry.kinds.length === 0) return [];
  if (options.ids && options.ids.length === 0) return [];
  return db.transaction(async (tx) => {
    // The due index of a busy queue holds many entries of rows already claimed or finished until
    // vacuum comes (55,785 for 2,907 pending after a webhook burst). A bitmap scan reads them all
    // and sorts, every claim (95 ms, so ~30 deliveries/s); an index scan in run_at order stops at
    // the first due rows and marks dead entries so later scans skip them (0.3–9 ms).
    await tx.execute(sql`set local enable_bitmapscan = off`);
    const candidates = await tx
      .select({ id: jobs.id, kind: jobs.kind, group: jobs.group })
      .from(jobs)
      .where(
        and(
          jobIsPending,
          // Planned on every run, never kept: a plan made while the table was small (a scan of the
          // whole table) was kept by its connections as the queue grew to 49k pending jobs, and
          // each claim then ran for seconds (test/jobs/claim-plan.test.ts).
          plannedPerRun(lte(jobs.runAt, sql`now()`)),
          inArray(jobs.kind, [...registry.kinds]),
          options.ids ? inArray(jobs.id, [...options.ids]) : undefined,
          // A cheap pre-filter so a full group's backlog does not crowd out other groups' jobs;
          // the count under the group's lock below is what enforces the cap.
          groupHasRoom(registry),
        ),
      )
      .orderBy(asc(jobs.runAt))
      .limit(options.limit)
      .for("update", { skipLocked: true });
    if (candidates.length === 0) return [];

    const chosen = await withinGroupCaps(registry, candidates, async (capped) => {
      // In a fixed order, so that claimers cannot deadlock on each other's groups.
      for (const group of capped)
        await tx.execute(sql`select pg_advisory_xact_lock(${JOB_GROUP_LOCK}::int, hashtext(${group}))`);
      return tx
        .select({ group: jobs.group, busy: sql<number>`count(*)::int` })
        .from(jobs)
        .where(and(jobIsRunning, inArray(jobs.group, capped)))
        .groupBy(jobs.group);
    });
    if (chosen.length === 0) return [];

    return tx
      .update(jobs)
      .set({
        state: "running",
        attempts: sql`${jobs.attempts} + 1`,
        leaseExpiresAt: sql`now() + ${leaseExpression(registry)} * interval '1 millisecond'`,
        updatedAt: sql`now()`,
      })
      .where(
        inArray(
          jobs.id,
          chosen.map((job) => job.id),
        ),
      )
      .returning({
        ...getTableColumns(jobs),
        waitedSeconds: sql<number>`extract(epoch from now() - ${jobs.runAt})::float8`,
      });
  });
}

/**
 * Keeps, in order, the candidates their group's cap still allows: `countBusy` is given the capped
 * groups (sorted) and tells how many slots each already uses.
 */
export async function withinGroupCaps<T extends { kind: string; group: string | null }>(
  registry: JobRegistry,
  candidates: readonly T[],
  countBusy: (groups: string[]) => Promise<{ group: string | null; busy: number }[]>,
): Promise<T[]> {
  const capped = [
    ...new Set(
      candidates
        .filter((job) => job.group !== null && registry.get(job.kind)?.groupConcurrency !== undefined)
        .map((job) => job.group as string),
    ),
  ].sort();
  if (capped.length === 0) return [...candidates];
  const busy = new Map<string, number>(capped.map((group) => [group, 0]));
  for (const row of await countBusy(capped)) if (row.group !== null) busy.set(row.group, row.busy);
  return candidates.filter((job) => {
    const used = job.group === null ? undefined : busy.get(job.group);
    if (used === undefined || job.group === null) return true;
    if (used >= (registry.get(job.kind)?.groupConcurrency ?? Number.POSITIVE_INFINITY)) return false;
    busy.set(job.group, used + 1);
    return true;
  });
}

/** Not a full group (read without a lock: a filter, not the guarantee). Undefined when no kind has a cap. */
export function groupHasRoom(registry: JobRegistry): SQL | undefined {
  const cap = groupCapOf(registry);
  if (!cap) return undefined;
  return sql`(${jobs.group} is null or ${cap} is null or (select count(*) from ${jobs} as running where running.state = 'running' and running.group_key = ${jobs.group}) < ${cap})`;
}

/** `case kind when 'a' then 1 … end`: the cap of each capped kind, null for the others. */
function groupCapOf(registry: JobRegistry): SQL | undefined {
  const cases = registry.kinds.flatMap((kind) => {
    const cap = registry.get(kind)?.groupConcurrency;
    return cap === undefined ? [] : [sql`when ${kind} then ${cap}::int`];
  });
  if (cases.length === 0) return undefined;
  return sql`(case ${jobs.kind} ${sql.join(cases, sql` `)} end)`;
}

function leaseExpression(registry: JobRegistry): SQL {
  const cases = registry.kinds.map(
    (kind) =>
      sql`when ${kind} then ${(registry.get(kind)?.timeoutMs ?? DEFAULT_JOB_TIMEOUT_MS) + LEASE_MARGIN_MS}::int`,
  );
  return sql`(case ${jobs.kind} ${sql.join(cases, sql` `)} end)`;
}
