import { eq, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { createPostgresDatabase } from "../../src/adapters/database/postgres.ts";
import { jobs } from "../../src/db/schema.ts";
import { claimDueJobs } from "../../src/features/jobs/claim.ts";
import { enqueueJobs, kickJobs } from "../../src/features/jobs/enqueue.ts";
import { createJobRegistry } from "../../src/features/jobs/handlers.ts";
import { runClaimedJob } from "../../src/features/jobs/run.ts";
import { type JobLoop, type JobLoopOptions, startJobLoop } from "../../src/node/job-loop.ts";
import { gate, jobRow, jobRows, recordingKind } from "../support/factories/jobs.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

const loops: JobLoop[] = [];
afterEach(async () => {
  await Promise.all(loops.splice(0).map((loop) => loop.stop()));
});

/** A loop that only a kick or a job's end wakes within the test (a long poll), unless asked. */
function loop(definitions: Parameters<typeof createJobRegistry>[0], options: Partial<JobLoopOptions> = {}) {
  const started = startJobLoop(ctx.deps, {
    registry: createJobRegistry(definitions),
    kicker: ctx.jobKicker,
    pollIntervalMs: 60_000,
    concurrency: 5,
    random: () => 1,
    ...options,
  });
  loops.push(started);
  return started;
}

async function enqueueOne(
  kind: string,
  payload: Record<string, unknown> = {},
  group?: string,
): Promise<string> {
  const [id] = await ctx.deps.db.transaction((tx) =>
    enqueueJobs(tx, [{ kind: kind as `${string}.${string}`, payload, group }]),
  );
  if (!id) throw new Error("no job id");
  return id;
}

describe("enqueueing in the caller's transaction", () => {
  it("runs a committed job once, at the kick, and never one whose transaction rolled back", async () => {
    const kind = recordingKind();
    loop([kind.definition]);

    await expect(
      ctx.deps.db.transaction(async (tx) => {
        await enqueueJobs(tx, [{ kind: kind.definition.kind, payload: { which: "rolled back" } }]);
        throw new Error("the change failed");
      }),
    ).rejects.toThrow("the change failed");
    const [committed] = await ctx.deps.db.transaction((tx) =>
      enqueueJobs(tx, [{ kind: kind.definition.kind, payload: { which: "committed" } }]),
    );
    kickJobs(ctx.deps);

    await expect
      .poll(async () => (await jobRow(ctx.deps.db, committed ?? ""))?.state, { timeout: 5000 })
      .toBe("done");
    expect(kind.runs.map((run) => run.payload)).toEqual([{ which: "committed" }]);
    expect(kind.runs[0]?.attempt).toBe(1);
    const all = await ctx.deps.db.select().from(jobs).where(eq(jobs.kind, kind.definition.kind));
    expect(all.map((row) => row.payload)).toEqual([{ which: "committed" }]);
  });

  it("writes many jobs in one insert and does not run one before its runAt", async () => {
    const kind = recordingKind();
    const later = new Date(Date.now() + 3_600_000);
    const before = ctx.queries.length;
    const ids = await ctx.deps.db.transaction((tx) =>
      enqueueJobs(tx, [
        { kind: kind.definition.kind, payload: { n: 1 } },
        { kind: kind.definition.kind, payload: { n: 2 }, runAt: later, group: "g" },
      ]),
    );
    expect(ctx.queries.slice(before).filter((query) => query.startsWith("insert"))).toHaveLength(1);
    loop([kind.definition]);
    await expect
      .poll(async () => (await jobRow(ctx.deps.db, ids[0] ?? ""))?.state, { timeout: 5000 })
      .toBe("done");
    const scheduled = await jobRow(ctx.deps.db, ids[1] ?? "");
    expect(scheduled).toMatchObject({ state: "pending", attempts: 0, group: "g" });
    expect(scheduled?.runAt.getTime()).toBe(later.getTime());
    expect(kind.runs).toHaveLength(1);
  });
});

describe("retries", () => {
  it("waits the schedule's delay before each retry, then runs the job again", async () => {
    const kind = recordingKind({
      retryDelaysSeconds: [0.2, 0.4],
      behaviour: async (_run, index) =>
        index < 2 ? { outcome: "retry", error: `attempt ${index + 1} failed` } : { outcome: "done" },
    });
    const id = await enqueueOne(kind.definition.kind);
    // A short poll: retries come back through polling, as on an instance nobody kicks.
    loop([kind.definition], { pollIntervalMs: 50 });

    await expect.poll(() => kind.runs.length, { timeout: 5000 }).toBeGreaterThanOrEqual(1);
    await expect.poll(async () => (await jobRow(ctx.deps.db, id))?.state, { timeout: 5000 }).toBe("done");
    expect(kind.runs.map((run) => run.attempt)).toEqual([1, 2, 3]);
    expect(await jobRow(ctx.deps.db, id)).toMatchObject({ attempts: 3, lastError: null });
  });

  it("writes run_at = now + the scheduled delay (with the jitter drawn), or the handler's retryAfterSeconds", async () => {
    const scheduled = recordingKind({
      retryDelaysSeconds: [300, 3600],
      behaviour: async () => ({ outcome: "retry", error: "receiver down" }),
    });
    const told = recordingKind({
      retryDelaysSeconds: [300],
      behaviour: async () => ({ outcome: "retry", error: "429", retryAfterSeconds: 42 }),
    });
    const registry = createJobRegistry([scheduled.definition, told.definition]);
    const a = await enqueueOne(scheduled.definition.kind);
    const b = await enqueueOne(told.definition.kind);
    const claimed = await claimDueJobs(ctx.deps.db, registry, { limit: 10 });
    expect(claimed.map((job) => job.id).sort()).toEqual([a, b].sort());
    for (const job of claimed) await runClaimedJob(ctx.deps, registry, job, { random: () => 0.25 });

    const delayOf = async (id: string) => {
      const row = await jobRow(ctx.deps.db, id);
      return ((row?.runAt.getTime() ?? 0) - (row?.updatedAt.getTime() ?? 0)) / 1000;
    };
    expect(await delayOf(a)).toBe(75); // 300 s × 0.25: full jitter
    expect(await delayOf(b)).toBe(42); // the receiver's word, exactly
    expect(await jobRow(ctx.deps.db, a)).toMatchObject({
      state: "pending",
      lastError: "receiver down",
      leaseExpiresAt: null,
    });
  });

  it("fails the job and calls onExhausted once when the schedule is used up; a failed result stops at once", async () => {
    const flaky = recordingKind({
      retryDelaysSeconds: [0, 0],
      behaviour: async () => ({ outcome: "retry", error: "still down" }),
    });
    const broken = recordingKind({
      retryDelaysSeconds: [0, 0],
      behaviour: async () => ({ outcome: "failed", error: "410 gone" }),
    });
    const exhaustedId = await enqueueOne(flaky.definition.kind);
    const failedId = await enqueueOne(broken.definition.kind);
    loop([flaky.definition, broken.definition]);
    kickJobs(ctx.deps);

    await expect
      .poll(async () => (await jobRow(ctx.deps.db, exhaustedId))?.state, { timeout: 5000 })
      .toBe("failed");
    await expect
      .poll(async () => (await jobRow(ctx.deps.db, failedId))?.state, { timeout: 5000 })
      .toBe("failed");
    expect(flaky.runs.map((run) => run.attempt)).toEqual([1, 2, 3]);
    expect(flaky.exhausted).toEqual([{ id: exhaustedId, attempt: 3, error: "still down" }]);
    expect(broken.runs).toHaveLength(1);
    expect(broken.exhausted).toEqual([]);
    const row = await jobRow(ctx.deps.db, exhaustedId);
    expect(row).toMatchObject({ attempts: 3, lastError: "still down" });
    expect(row?.finishedAt).toBeInstanceOf(Date);
    expect(ctx.metrics.render()).toMatch(
      new RegExp(`tixgenius_jobs_total\\{kind="${flaky.definition.kind}",outcome="failed"\\} 1`),
    );
    expect(ctx.metrics.render()).toMatch(
      new RegExp(`tixgenius_jobs_total\\{kind="${flaky.definition.kind}",outcome="retry"\\} 2`),
    );
  });

  it("treats a thrown error as a retry", async () => {
    const kind = recordingKind({
      retryDelaysSeconds: [0],
      behaviour: async (_run, index) => {
        if (index === 0) throw new Error("socket hang up");
        return { outcome: "done" };
      },
    });
    const id = await enqueueOne(kind.definition.kind);
    loop([kind.definition]);
    kickJobs(ctx.deps);
    await expect.poll(async () => (await jobRow(ctx.deps.db, id))?.state, { timeout: 5000 }).toBe("done");
    expect(kind.runs).toHaveLength(2);
  });
});

describe("timeouts and leases", () => {
  it("abandons a run past its timeout (its signal aborted) and retries it", async () => {
    const aborted: boolean[] = [];
    const kind = recordingKind({
      timeoutMs: 100,
      retryDelaysSeconds: [0],
      behaviour: async (run, index) => {
        if (index > 0) return { outcome: "done" };
        await new Promise((resolve) => run.signal.addEventListener("abort", resolve));
        aborted.push(run.signal.aborted);
        return { outcome: "done" }; // too late: the engine already recorded the timeout
      },
    });
    const id = await enqueueOne(kind.definition.kind);
    loop([kind.definition]);
    kickJobs(ctx.deps);
    await expect.poll(async () => (await jobRow(ctx.deps.db, id))?.state, { timeout: 5000 }).toBe("done");
    expect(aborted).toEqual([true]);
    expect(kind.runs.map((run) => run.attempt)).toEqual([1, 2]);
  });

  it("gives a dead runner's job back once its lease expires, and ignores the dead run's late outcome", async () => {
    const kind = recordingKind({ retryDelaysSeconds: [5] });
    const registry = createJobRegistry([kind.definition]);
    const id = await enqueueOne(kind.definition.kind);
    // A runner claims the job and dies (its process is killed): nothing else happens to the row.
    const [dead] = await claimDueJobs(ctx.deps.db, registry, { limit: 1, ids: [id] });
    expect(dead).toMatchObject({ id, state: "running", attempts: 1 });
    expect(dead?.leaseExpiresAt?.getTime()).toBeGreaterThan(Date.now());

    // Another instance does not take it while the lease holds…
    expect(await claimDueJobs(ctx.deps.db, registry, { limit: 1 })).toEqual([]);
    // …and does once it has run out (moved into the past instead of waiting 60 s).
    await ctx.deps.db
      .update(jobs)
      .set({ leaseExpiresAt: sql`now() - interval '1 second'` })
      .where(eq(jobs.id, id));
    loop([kind.definition], { maintenanceEveryMs: 0, pollIntervalMs: 50 });
    await expect.poll(async () => (await jobRow(ctx.deps.db, id))?.state, { timeout: 5000 }).toBe("done");
    expect(kind.runs.map((run) => run.attempt)).toEqual([2]);

    // The dead run's outcome, arriving late, changes nothing.
    const late = await runClaimedJob(ctx.deps, registry, dead as NonNullable<typeof dead>);
    expect(late).toEqual({ outcome: "lost" });
    expect(await jobRow(ctx.deps.db, id)).toMatchObject({ state: "done", attempts: 2 });
  });

  it("fails a dead runner's job whose last attempt it was, and calls onExhausted", async () => {
    const kind = recordingKind({ retryDelaysSeconds: [] });
    const registry = createJobRegistry([kind.definition]);
    const id = await enqueueOne(kind.definition.kind);
    await claimDueJobs(ctx.deps.db, registry, { limit: 1, ids: [id] });
    await ctx.deps.db
      .update(jobs)
      .set({ leaseExpiresAt: sql`now() - interval '1 second'` })
      .where(eq(jobs.id, id));
    loop([kind.definition], { maintenanceEveryMs: 0 });
    await expect.poll(async () => (await jobRow(ctx.deps.db, id))?.state, { timeout: 5000 }).toBe("failed");
    expect(kind.runs).toEqual([]);
    expect(kind.exhausted).toEqual([{ id, attempt: 1, error: expect.stringContaining("lease expired") }]);
  });
});

describe("concurrency", () => {
  it("while callers wait (yieldWhile) starts one job per yieldFloorMs and none beside a running one; all its slots once they are answered", async () => {
    const release = gate();
    let held = false;
    const kind = recordingKind({
      behaviour: () => (held ? release.opened : Promise.resolve()).then(() => ({ outcome: "done" })),
    });
    let callersWaiting = true;
    loop([kind.definition], {
      concurrency: 4,
      yieldWhile: () => callersWaiting,
      yieldFloorMs: 400,
    });
    const ids = await ctx.deps.db.transaction((tx) =>
      enqueueJobs(
        tx,
        Array.from({ length: 12 }, () => ({ kind: kind.definition.kind, payload: {} })),
      ),
    );
    kickJobs(ctx.deps);
    // Each job ends at once, yet kicks and job ends start no other before the floor: at 0 and 400 ms
    // (and 800 ms on a slow machine), where without the floor all twelve would have run by now.
    const kicks = setInterval(() => kickJobs(ctx.deps), 20);
    await new Promise((resolve) => setTimeout(resolve, 700));
    clearInterval(kicks);
    expect(kind.runs.length).toBeGreaterThanOrEqual(2);
    expect(kind.runs.length).toBeLessThanOrEqual(3);
    expect(kind.maxRunning).toBe(1);

    held = true;
    callersWaiting = false;
    kickJobs(ctx.deps);
    await expect.poll(() => kind.running).toBe(4);
    release.open();
    await expect
      .poll(async () => (await jobRows(ctx.deps.db, ids)).every((row) => row.state === "done"), {
        timeout: 5000,
      })
      .toBe(true);
    expect(kind.runs).toHaveLength(12);
  });

  it("while callers wait, a held job starts no second one, even past the floor", async () => {
    const release = gate();
    const kind = recordingKind({ behaviour: () => release.opened.then(() => ({ outcome: "done" })) });
    loop([kind.definition], { concurrency: 4, yieldWhile: () => true, yieldFloorMs: 50 });
    await ctx.deps.db.transaction((tx) =>
      enqueueJobs(
        tx,
        Array.from({ length: 3 }, () => ({ kind: kind.definition.kind, payload: {} })),
      ),
    );
    kickJobs(ctx.deps);
    await expect.poll(() => kind.running).toBe(1);
    const kicks = setInterval(() => kickJobs(ctx.deps), 20);
    await new Promise((resolve) => setTimeout(resolve, 300));
    clearInterval(kicks);
    expect(kind.maxRunning).toBe(1);
    release.open();
    // Then one a floor, with no kick: the timer wakes the loop.
    await expect.poll(() => kind.runs.length, { timeout: 3000 }).toBe(3);
  });

  it("runs at most groupConcurrency jobs of a group at once across loops, while other groups go on", async () => {
    const release = gate();
    const byGroup = new Map<string, { now: number; max: number }>();
    const kind = recordingKind({
      groupConcurrency: 2,
      behaviour: async (run) => {
        const group = String(run.payload.group);
        const counter = byGroup.get(group) ?? { now: 0, max: 0 };
        byGroup.set(group, counter);
        counter.now++;
        counter.max = Math.max(counter.max, counter.now);
        try {
          if (group === "slow") await release.opened;
          return { outcome: "done" };
        } finally {
          counter.now--;
        }
      },
    });
    const slow = await ctx.deps.db.transaction((tx) =>
      enqueueJobs(
        tx,
        Array.from({ length: 6 }, () => ({
          kind: kind.definition.kind,
          payload: { group: "slow" },
          group: "endpoint:slow",
        })),
      ),
    );
    const fast = await ctx.deps.db.transaction((tx) =>
      enqueueJobs(
        tx,
        Array.from({ length: 3 }, () => ({
          kind: kind.definition.kind,
          payload: { group: "fast" },
          group: "endpoint:fast",
        })),
      ),
    );
    const second = ctx.directDatabaseUrl
      ? createPostgresDatabase(ctx.directDatabaseUrl, { maxConnections: 3 })
      : undefined;
    try {
      loop([kind.definition], { concurrency: 4, pollIntervalMs: 20 });
      if (second)
        loops.push(
          startJobLoop(
            { ...ctx.deps, db: second.db },
            { registry: createJobRegistry([kind.definition]), pollIntervalMs: 20, concurrency: 4 },
          ),
        );

      // The fast group finishes although the slow group holds its two slots throughout.
      await expect
        .poll(async () => (await jobRows(ctx.deps.db, fast)).every((row) => row.state === "done"), {
          timeout: 5000,
        })
        .toBe(true);
      const slowRows = await jobRows(ctx.deps.db, slow);
      expect(slowRows.filter((row) => row.state === "running")).toHaveLength(2);
      expect(slowRows.filter((row) => row.state === "pending")).toHaveLength(4);

      release.open();
      await expect
        .poll(async () => (await jobRows(ctx.deps.db, slow)).every((row) => row.state === "done"), {
          timeout: 10_000,
        })
        .toBe(true);
      expect(byGroup.get("slow")?.max).toBe(2);
      expect(kind.runs).toHaveLength(9);
    } finally {
      await Promise.all(loops.splice(0).map((started) => started.stop()));
      await second?.close();
    }
  });

  it.runIf(Boolean(inject("postgresUrl")))(
    "lets two instances split the work without running any job twice",
    async () => {
      const kind = recordingKind({
        behaviour: async () => {
          await new Promise((resolve) => setTimeout(resolve, 5));
          return { outcome: "done" };
        },
      });
      const ids = await ctx.deps.db.transaction((tx) =>
        enqueueJobs(
          tx,
          Array.from({ length: 60 }, (_, n) => ({ kind: kind.definition.kind, payload: { n } })),
        ),
      );
      const other = createPostgresDatabase(ctx.directDatabaseUrl ?? "", { maxConnections: 5 });
      const ranOn = new Map<string, string[]>();
      const tagged = (instance: string) => ({
        ...kind.definition,
        run: async (
          deps: Parameters<typeof kind.definition.run>[0],
          job: Parameters<typeof kind.definition.run>[1],
        ) => {
          ranOn.set(job.id, [...(ranOn.get(job.id) ?? []), instance]);
          return kind.definition.run(deps, job);
        },
      });
      try {
        loop([tagged("a")], { pollIntervalMs: 10, concurrency: 4 });
        loops.push(
          startJobLoop(
            { ...ctx.deps, db: other.db },
            { registry: createJobRegistry([tagged("b")]), pollIntervalMs: 10, concurrency: 4 },
          ),
        );
        await expect
          .poll(async () => (await jobRows(ctx.deps.db, ids)).every((row) => row.state === "done"), {
            timeout: 20_000,
          })
          .toBe(true);
        await Promise.all(loops.splice(0).map((started) => started.stop()));
      } finally {
        await other.close();
      }
      expect([...ranOn.keys()].sort()).toEqual([...ids].sort());
      expect([...ranOn.values()].filter((instances) => instances.length > 1)).toEqual([]);
      const perInstance = [...ranOn.values()].flat();
      expect(perInstance.filter((instance) => instance === "a").length).toBeGreaterThan(0);
      expect(perInstance.filter((instance) => instance === "b").length).toBeGreaterThan(0);
      expect((await jobRows(ctx.deps.db, ids)).every((row) => row.attempts === 1)).toBe(true);
    },
  );

  it("does not claim kinds its registry does not know", async () => {
    const known = recordingKind();
    const foreign = recordingKind();
    const foreignId = await enqueueOne(foreign.definition.kind);
    const knownId = await enqueueOne(known.definition.kind);
    loop([known.definition]);
    kickJobs(ctx.deps);
    await expect
      .poll(async () => (await jobRow(ctx.deps.db, knownId))?.state, { timeout: 5000 })
      .toBe("done");
    expect(await jobRow(ctx.deps.db, foreignId)).toMatchObject({ state: "pending", attempts: 0 });
  });
});

describe("shutdown", () => {
  it("stops claiming at once but waits for the running job to finish and record its outcome", async () => {
    const release = gate();
    const started = gate();
    const kind = recordingKind({
      behaviour: async () => {
        started.open();
        await release.opened;
        return { outcome: "done" };
      },
    });
    const running = await enqueueOne(kind.definition.kind);
    const jobLoop = loop([kind.definition]);
    kickJobs(ctx.deps);
    await started.opened;

    let stopped = false;
    const stopping = jobLoop.stop().then(() => {
      stopped = true;
    });
    const queuedAfterStop = await enqueueOne(kind.definition.kind);
    kickJobs(ctx.deps);
    // The loop is still waiting on the job: give it every chance to (wrongly) finish first.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(stopped).toBe(false);

    release.open();
    await stopping;
    expect(await jobRow(ctx.deps.db, running)).toMatchObject({ state: "done" });
    expect(await jobRow(ctx.deps.db, queuedAfterStop)).toMatchObject({ state: "pending", attempts: 0 });
    expect(kind.runs).toHaveLength(1);
  });
});
