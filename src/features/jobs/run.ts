import { and, eq, sql } from "drizzle-orm";
import { type JobRow, jobs } from "../../db/schema.ts";
import { retryDelaySeconds } from "./backoff.ts";
import type { ClaimedJob } from "./claim.ts";
import {
  DEFAULT_JOB_TIMEOUT_MS,
  type JobDefinition,
  type JobDeps,
  type JobRegistry,
  type JobResult,
} from "./handlers.ts";

export type JobOutcome =
  | { outcome: "done" }
  | { outcome: "retry"; delaySeconds: number; error: string }
  | { outcome: "failed"; error: string; exhausted: boolean }
  /** The row was no longer ours (its lease ran out and someone else took it): nothing recorded. */
  | { outcome: "lost" };

export interface RunOptions {
  /** Jitter's random source; tests pin it. */
  random?: () => number;
  /**
   * The runner hands a retry back to its queue itself (a Queue message's retry with the delay):
   * the row is recorded as sent, so nobody sends it a second message.
   */
  retryStaysSent?: boolean;
}

/**
 * Runs one claimed job under its timeout and records what happened: done, a retry at its next
 * time, or failed (then onExhausted when the schedule ran out). Never throws: a throwing handler
 * is a retry. The outcome is written only while the row is still this claim's (running, same
 * attempt), so a run that outlived its lease cannot overwrite the run that replaced it.
 */
export async function runClaimedJob(
  deps: JobDeps,
  registry: JobRegistry,
  job: ClaimedJob,
  options: RunOptions = {},
): Promise<JobOutcome> {
  const definition = registry.get(job.kind);
  deps.metrics.jobStarted(job.kind, Number(job.waitedSeconds));
  const startedAt = performance.now();
  const result = definition
    ? await runWithTimeout(deps, definition, job)
    : ({ outcome: "failed", error: `no handler for job kind ${job.kind}` } as const);
  const runSeconds = (performance.now() - startedAt) / 1000;
  const outcome = await recordResult(deps, definition, job, result, options);
  if (outcome.outcome !== "lost") deps.metrics.jobRun(job.kind, outcome.outcome, runSeconds);
  if (outcome.outcome === "failed" && outcome.exhausted && definition?.onExhausted) {
    try {
      await definition.onExhausted(deps, {
        id: job.id,
        payload: job.payload,
        attempt: job.attempts,
        error: outcome.error,
      });
    } catch (error) {
      deps.logger.error("job onExhausted failed", { jobId: job.id, kind: job.kind, error });
    }
  }
  return outcome;
}

async function runWithTimeout(deps: JobDeps, definition: JobDefinition, job: JobRow): Promise<JobResult> {
  const timeoutMs = definition.timeoutMs ?? DEFAULT_JOB_TIMEOUT_MS;
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<JobResult>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new Error(`timed out after ${timeoutMs} ms`));
      resolve({ outcome: "retry", error: `timed out after ${timeoutMs} ms` });
    }, timeoutMs);
  });
  try {
    const run = definition.run(deps, {
      id: job.id,
      payload: job.payload,
      attempt: job.attempts,
      signal: controller.signal,
    });
    return await Promise.race([run, timedOut]);
  } catch (error) {
    return { outcome: "retry", error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}

async function recordResult(
  deps: JobDeps,
  definition: JobDefinition | undefined,
  job: JobRow,
  result: JobResult,
  { random, retryStaysSent }: RunOptions,
): Promise<JobOutcome> {
  const ours = and(eq(jobs.id, job.id), eq(jobs.state, "running"), eq(jobs.attempts, job.attempts));
  const common = { leaseExpiresAt: null, updatedAt: sql`now()` };
  let outcome: JobOutcome;
  if (result.outcome === "done") {
    outcome = { outcome: "done" };
    const written = await deps.db
      .update(jobs)
      .set({ ...common, state: "done", lastError: null, finishedAt: sql`now()` })
      .where(ours)
      .returning({ id: jobs.id });
    return written.length > 0 ? outcome : lost(deps, job);
  }
  const error = result.error.slice(0, 2000);
  const delay =
    result.outcome === "retry" && definition
      ? retryDelaySeconds(definition.retryDelaysSeconds, job.attempts, result.retryAfterSeconds, random)
      : undefined;
  if (delay !== undefined) {
    outcome = { outcome: "retry", delaySeconds: delay, error };
    const written = await deps.db
      .update(jobs)
      .set({
        ...common,
        state: "pending",
        lastError: error,
        sentAt: retryStaysSent ? sql`now()` : null,
        runAt: sql`now() + ${delay}::float8 * interval '1 second'`,
      })
      .where(ours)
      .returning({ id: jobs.id });
    return written.length > 0 ? outcome : lost(deps, job);
  }
  outcome = { outcome: "failed", error, exhausted: result.outcome === "retry" };
  const written = await deps.db
    .update(jobs)
    .set({ ...common, state: "failed", lastError: error, finishedAt: sql`now()` })
    .where(ours)
    .returning({ id: jobs.id });
  if (written.length === 0) return lost(deps, job);
  deps.logger.warn("job failed", { jobId: job.id, kind: job.kind, attempt: job.attempts, error });
  return outcome;
}

function lost(deps: JobDeps, job: JobRow): JobOutcome {
  deps.logger.warn("job lease lost before its outcome was recorded", { jobId: job.id, kind: job.kind });
  return { outcome: "lost" };
}
