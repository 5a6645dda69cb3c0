import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  getQueueResult,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createRequestDatabase } from "../../src/adapters/database/request-scoped.ts";
import { createRedisClient } from "../../src/adapters/redis.ts";
import { jobs } from "../../src/db/schema.ts";
import { claimDueJobs } from "../../src/features/jobs/claim.ts";
import { enqueueJobs, kickJobs } from "../../src/features/jobs/enqueue.ts";
import { createJobRegistry, type JobDefinition, type JobResult } from "../../src/features/jobs/handlers.ts";
import { createLogger } from "../../src/lib/logger.ts";
import { noMetrics } from "../../src/lib/metrics/metrics.ts";
import { parseWorkerConfig, type WorkerEnv } from "../../src/worker/config.ts";
import { createJobQueueHandler, createQueueJobKicker, workerJobQueue } from "../../src/worker/jobs.ts";
import { createScheduledHandler } from "../../src/worker/scheduled.ts";

const config = parseWorkerConfig(env);
const logger = createLogger("warn");
const db = createRequestDatabase(config.DATABASE_URL);
const redis = createRedisClient({
  url: config.UPSTASH_REDIS_REST_URL,
  token: config.UPSTASH_REDIS_REST_TOKEN,
});

/**
 * A stand-in for the JOBS_QUEUE binding that records what was sent. Not forwarded to Miniflare's
 * queue: its delivery would reach the Worker's own consumer (the production registry) mid-test.
 */
function recordingQueue() {
  const sent: { body: { jobId: string }; delaySeconds?: number }[] = [];
  return {
    sent,
    binding: {
      async sendBatch(messages: Iterable<{ body: { jobId: string }; delaySeconds?: number }>) {
        sent.push(...messages);
      },
    },
  };
}

function testKind(behaviour: (attempt: number) => JobResult, extra: Partial<JobDefinition> = {}) {
  const attempts: number[] = [];
  const definition: JobDefinition = {
    kind: `test.worker-${crypto.randomUUID().slice(0, 8)}`,
    retryDelaysSeconds: [30, 60],
    async run(_deps, job) {
      attempts.push(job.attempt);
      return behaviour(job.attempt);
    },
    ...extra,
  };
  return {
    definition,
    attempts,
    registry: createJobRegistry([definition as unknown as JobDefinition<never>]),
  };
}

async function enqueue(kind: string, group?: string): Promise<string> {
  const [id] = await db.transaction((tx) =>
    enqueueJobs(tx, [{ kind: kind as `${string}.${string}`, payload: { to: "x" }, group }]),
  );
  if (!id) throw new Error("no job id");
  return id;
}

async function row(id: string) {
  const [found] = await db.select().from(jobs).where(eq(jobs.id, id));
  return found;
}

async function deliver(handler: ReturnType<typeof createJobQueueHandler>, jobId: string, attempts = 1) {
  const messageId = crypto.randomUUID();
  const batch = createMessageBatch("tixgenius-jobs-dev", [
    { id: messageId, timestamp: Date.now(), attempts, body: { jobId } },
  ]);
  // getQueueResult names retried messages without their delay: the delay is read off the call.
  const retryDelays: (number | undefined)[] = [];
  for (const message of batch.messages) {
    const retry = message.retry.bind(message);
    Object.defineProperty(message, "retry", {
      value: (options?: { delaySeconds?: number }) => {
        retryDelays.push(options?.delaySeconds);
        retry(options);
      },
    });
  }
  const ctx = createExecutionContext();
  await handler(batch, ctx);
  return { messageId, retryDelays, result: await getQueueResult(batch, ctx) };
}

function consumer(registry: ReturnType<typeof createJobRegistry>, queue = recordingQueue()) {
  const workerEnv: WorkerEnv = { ...env, JOBS_QUEUE: queue.binding };
  return createJobQueueHandler({
    config,
    env: workerEnv,
    logger,
    metrics: noMetrics,
    redis,
    registry,
    queue: workerJobQueue(workerEnv),
    random: () => 1,
  });
}

describe("jobs on Workers: Cloudflare Queues", () => {
  it("sends a committed job's id to the queue after commit, under waitUntil", async () => {
    const kind = testKind(() => ({ outcome: "done" }));
    const queue = recordingQueue();
    const id = await enqueue(kind.definition.kind);
    const ctx = createExecutionContext();
    kickJobs({
      jobs: createQueueJobKicker(
        { db, logger },
        kind.registry,
        workerJobQueue({ ...env, JOBS_QUEUE: queue.binding }),
        (work) => ctx.waitUntil(work),
      ),
    });
    await waitOnExecutionContext(ctx);
    expect(queue.sent).toEqual([{ body: { jobId: id } }]);
    expect((await row(id))?.sentAt).toBeInstanceOf(Date);

    // Sent once: another kick has nothing left to send.
    const again = createExecutionContext();
    kickJobs({
      jobs: createQueueJobKicker(
        { db, logger },
        kind.registry,
        workerJobQueue({ ...env, JOBS_QUEUE: queue.binding }),
        (work) => again.waitUntil(work),
      ),
    });
    await waitOnExecutionContext(again);
    expect(queue.sent).toHaveLength(1);
  });

  it("consumes the message: runs the job, retries the message after the job's delay, then acks it done", async () => {
    const kind = testKind((attempt) =>
      attempt === 1 ? { outcome: "retry", error: "receiver down" } : { outcome: "done" },
    );
    const handler = consumer(kind.registry);
    const id = await enqueue(kind.definition.kind);

    const first = await deliver(handler, id);
    expect(first.result.retryMessages).toEqual([{ msgId: first.messageId }]);
    expect(first.retryDelays).toEqual([30]); // the schedule's first delay (jitter pinned to its top)
    expect(first.result.explicitAcks).toEqual([]);
    expect(await row(id)).toMatchObject({ state: "pending", attempts: 1, lastError: "receiver down" });
    expect((await row(id))?.sentAt).toBeInstanceOf(Date); // the retried message is its send

    // Delivered early (a duplicate, or a retry the queue brought back sooner): not run, sent on.
    const early = await deliver(handler, id, 2);
    expect(early.result.retryMessages).toHaveLength(1);
    expect(early.retryDelays[0]).toBeGreaterThanOrEqual(29);
    expect(early.retryDelays[0]).toBeLessThanOrEqual(30);
    expect(kind.attempts).toEqual([1]);

    // Thirty seconds later (the row's clock moved instead of waiting).
    await db.update(jobs).set({ runAt: sql`now()` }).where(eq(jobs.id, id));
    const second = await deliver(handler, id, 2);
    expect(second.result.explicitAcks).toEqual([second.messageId]);
    expect(second.result.retryMessages).toEqual([]);
    expect(kind.attempts).toEqual([1, 2]);
    expect(await row(id)).toMatchObject({ state: "done", attempts: 2 });

    // A duplicate of a finished job is acknowledged and dropped.
    const duplicate = await deliver(handler, id, 3);
    expect(duplicate.result.explicitAcks).toEqual([duplicate.messageId]);
    expect(kind.attempts).toEqual([1, 2]);
  });

  it("fails the job once its schedule is used up and acknowledges the message", async () => {
    const exhausted: number[] = [];
    const kind = testKind(() => ({ outcome: "retry", error: "still down" }), {
      retryDelaysSeconds: [],
      onExhausted: async (_deps, job) => {
        exhausted.push(job.attempt);
      },
    });
    const id = await enqueue(kind.definition.kind);
    const { messageId, result } = await deliver(consumer(kind.registry), id);
    expect(result.explicitAcks).toEqual([messageId]);
    expect(await row(id)).toMatchObject({ state: "failed", lastError: "still down" });
    expect(exhausted).toEqual([1]);
  });

  it("acks a message whose group is full and sends it again when the group's running job ends", async () => {
    const kind = testKind(() => ({ outcome: "done" }), { groupConcurrency: 1 });
    const group = `endpoint:${crypto.randomUUID()}`;
    const first = await enqueue(kind.definition.kind, group);
    const second = await enqueue(kind.definition.kind, group);
    const queue = recordingQueue();
    const handler = consumer(kind.registry, queue);
    // Another consumer holds the group's one slot.
    const [running] = await claimDueJobs(db, kind.registry, { limit: 1, ids: [first] });
    expect(running?.id).toBe(first);

    const blocked = await deliver(handler, second);
    expect(blocked.result.explicitAcks).toEqual([blocked.messageId]);
    expect(await row(second)).toMatchObject({ state: "pending", attempts: 0, sentAt: null });
    expect(queue.sent).toEqual([]); // not sent back round while the slot is taken

    // The running job ends (its message is the one delivered); the batch then sends the waiting one.
    await db
      .update(jobs)
      .set({ state: "pending", attempts: 0, leaseExpiresAt: null })
      .where(eq(jobs.id, first));
    const done = await deliver(handler, first);
    expect(done.result.explicitAcks).toEqual([done.messageId]);
    expect(queue.sent.map((message) => message.body.jobId)).toEqual([second]);
  });

  it("re-sends on the cron tick a job whose send was lost, and gives back a dead consumer's job", async () => {
    const kind = testKind(() => ({ outcome: "done" }));
    const neverSent = await enqueue(kind.definition.kind);
    const abandoned = await enqueue(kind.definition.kind);
    await claimDueJobs(db, kind.registry, { limit: 1, ids: [abandoned] });
    await db
      .update(jobs)
      .set({ leaseExpiresAt: sql`now() - interval '1 second'`, sentAt: sql`now() - interval '1 hour'` })
      .where(eq(jobs.id, abandoned));
    const lost = await enqueue(kind.definition.kind);
    await db
      .update(jobs)
      .set({ runAt: sql`now() - interval '10 minutes'`, sentAt: sql`now() - interval '10 minutes'` })
      .where(eq(jobs.id, lost));

    const queue = recordingQueue();
    const tickEnv: WorkerEnv = { ...env, JOBS_QUEUE: queue.binding };
    const scheduled = createScheduledHandler(parseWorkerConfig(tickEnv), tickEnv, logger, kind.registry);
    const ctx = createExecutionContext();
    scheduled(createScheduledController({ cron: "* * * * *", scheduledTime: Date.now() }), ctx);
    await waitOnExecutionContext(ctx);

    expect(queue.sent.map((message) => message.body.jobId).sort()).toEqual(
      [neverSent, abandoned, lost].sort(),
    );
    expect(await row(abandoned)).toMatchObject({ state: "pending", attempts: 1, leaseExpiresAt: null });
    for (const id of [neverSent, abandoned, lost])
      expect((await row(id))?.sentAt?.getTime()).toBeGreaterThan(Date.now() - 60_000);
  });

  it("has Miniflare's queue deliver what the producer sent to the Worker's own queue() consumer", async () => {
    // A kind the production registry does not know: the Worker's consumer says so on the row.
    const kind = testKind(() => ({ outcome: "done" }));
    const id = await enqueue(kind.definition.kind);
    const ctx = createExecutionContext();
    kickJobs({
      jobs: createQueueJobKicker({ db, logger }, kind.registry, workerJobQueue(env), (work) =>
        ctx.waitUntil(work),
      ),
    });
    await waitOnExecutionContext(ctx);
    await expect
      .poll(async () => (await row(id))?.lastError, { timeout: 10_000 })
      .toMatch(/no handler for job kind/);
    expect(await row(id)).toMatchObject({ state: "pending", attempts: 0, sentAt: null });
  });

  it("is the Worker's queue() export, which refuses nothing it cannot name and runs the production registry", async () => {
    const { default: worker } = await import("../../src/worker.ts");
    const unknownKind = await enqueue("test.not-in-production");
    const batch = createMessageBatch("tixgenius-jobs-dev", [
      { id: "m1", timestamp: Date.now(), attempts: 1, body: { jobId: unknownKind } },
      { id: "m2", timestamp: Date.now(), attempts: 1, body: { nonsense: true } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks.sort()).toEqual(["m1", "m2"]);
    expect(await row(unknownKind)).toMatchObject({ state: "pending", attempts: 0 });
  });
});
