import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jobs } from "../../src/db/schema.ts";
import { relayAndPrune } from "../../src/features/events/relay.ts";
import { enqueueJobs, kickJobs } from "../../src/features/jobs/enqueue.ts";
import { createJobRegistry } from "../../src/features/jobs/handlers.ts";
import { maintainJobs } from "../../src/features/jobs/maintenance.ts";
import { createAnalyticsEngineMetrics } from "../../src/lib/metrics/analytics-engine.ts";
import { startJobLoop } from "../../src/node/job-loop.ts";
import { jobRow, recordingKind } from "../support/factories/jobs.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

async function jobAged(kind: string, state: "pending" | "running" | "done" | "failed", daysAgo: number) {
  const [id] = await ctx.deps.db.transaction((tx) =>
    enqueueJobs(tx, [{ kind: kind as `${string}.${string}`, payload: {} }]),
  );
  if (!id) throw new Error("no job id");
  const ago = sql`now() - make_interval(days => ${daysAgo}::int)`;
  await ctx.deps.db
    .update(jobs)
    .set({
      state,
      createdAt: ago,
      runAt: ago,
      finishedAt: state === "done" || state === "failed" ? ago : null,
      leaseExpiresAt: state === "running" ? sql`now() + interval '1 hour'` : null,
    })
    .where(eq(jobs.id, id));
  return id;
}

describe("retention", () => {
  it("prunes done jobs after JOB_RETENTION_DAYS and failed ones after JOB_FAILED_RETENTION_DAYS, in the event pruning pass", async () => {
    expect(ctx.config.JOB_RETENTION_DAYS).toBe(7);
    expect(ctx.config.JOB_FAILED_RETENTION_DAYS).toBe(30);
    const kind = "test.retention";
    const doneOld = await jobAged(kind, "done", 8);
    const doneRecent = await jobAged(kind, "done", 6);
    const failedWeekOld = await jobAged(kind, "failed", 8);
    const failedOld = await jobAged(kind, "failed", 31);
    const pendingAncient = await jobAged(kind, "pending", 300);
    const runningAncient = await jobAged(kind, "running", 300);

    await relayAndPrune(ctx.deps);

    const left = async (id: string) => (await jobRow(ctx.deps.db, id)) !== undefined;
    expect(await left(doneOld)).toBe(false);
    expect(await left(doneRecent)).toBe(true);
    expect(await left(failedWeekOld)).toBe(true);
    expect(await left(failedOld)).toBe(false);
    expect(await left(pendingAncient)).toBe(true);
    expect(await left(runningAncient)).toBe(true);

    // The retention is the configured one, not a constant.
    await relayAndPrune({
      ...ctx.deps,
      config: { ...ctx.config, JOB_RETENTION_DAYS: 5, JOB_FAILED_RETENTION_DAYS: 7 },
    });
    expect(await left(doneRecent)).toBe(false);
    expect(await left(failedWeekOld)).toBe(false);
    expect(await left(pendingAncient)).toBe(true);
  });
});

describe("metrics", () => {
  it("reports the backlog (due, and pending with scheduled retries), runs by outcome, run time and start delay", async () => {
    const kind = recordingKind();
    await ctx.deps.db.delete(jobs);
    await ctx.deps.db.transaction((tx) =>
      enqueueJobs(tx, [
        { kind: "test.someone-elses", payload: {} },
        { kind: "test.someone-elses", payload: {} },
        { kind: "test.someone-elses", payload: {}, runAt: new Date(Date.now() + 3_600_000) },
      ]),
    );
    await maintainJobs(ctx.deps, createJobRegistry([kind.definition]));
    expect(ctx.metrics.render()).toContain("tixgenius_jobs_due 2\n");
    expect(ctx.metrics.render()).toContain("tixgenius_jobs_pending 3\n");

    const [id] = await ctx.deps.db.transaction((tx) =>
      enqueueJobs(tx, [{ kind: kind.definition.kind, payload: {} }]),
    );
    const loop = startJobLoop(ctx.deps, {
      registry: createJobRegistry([kind.definition]),
      kicker: ctx.jobKicker,
      pollIntervalMs: 60_000,
      concurrency: 1,
    });
    try {
      kickJobs(ctx.deps);
      await expect
        .poll(async () => (await jobRow(ctx.deps.db, id ?? ""))?.state, { timeout: 5000 })
        .toBe("done");
    } finally {
      await loop.stop();
    }
    const text = ctx.metrics.render();
    const label = `kind="${kind.definition.kind}"`;
    expect(text).toContain(`tixgenius_jobs_total{${label},outcome="done"} 1`);
    expect(text).toContain(`tixgenius_job_run_seconds_count{${label}} 1`);
    expect(text).toContain(`tixgenius_job_start_delay_seconds_count{${label}} 1`);
  });

  it("writes job runs and the backlog as Analytics Engine points on Workers", () => {
    const points: unknown[] = [];
    const metrics = createAnalyticsEngineMetrics({ writeDataPoint: (point) => void points.push(point) });
    metrics.jobRun("webhook.deliver", "retry", 0.25);
    metrics.jobBacklog(3, 10);
    expect(points).toEqual([
      { indexes: ["job_run"], blobs: ["webhook.deliver", "retry"], doubles: [0.25] },
      { indexes: ["job_backlog"], doubles: [3, 10] },
    ]);
  });
});
