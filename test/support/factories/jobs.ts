import { randomUUID } from "node:crypto";
import { eq, inArray } from "drizzle-orm";
import type { Database } from "../../../src/db/database.ts";
import { type JobRow, jobs } from "../../../src/db/schema.ts";
import type { JobDefinition, JobKind, JobResult, JobRun } from "../../../src/features/jobs/handlers.ts";

/** A job kind no other test uses, so loops of different tests never take each other's jobs. */
export function testJobKind(name = "job"): JobKind {
  return `test.${name}-${randomUUID().slice(0, 8)}`;
}

export interface RecordingKind {
  definition: JobDefinition<never>;
  /** Every run, in start order. */
  runs: JobRun<Record<string, unknown>>[];
  /** Runs in progress right now, and the most seen at once (per group when payloads carry one). */
  running: number;
  maxRunning: number;
  exhausted: { id: string; attempt: number; error: string }[];
}

/**
 * A test-only kind whose handler records each run and answers with `behaviour` (done by default).
 */
export function recordingKind(
  options: Partial<Omit<JobDefinition, "run" | "onExhausted">> & {
    behaviour?: (run: JobRun<Record<string, unknown>>, index: number) => Promise<JobResult>;
  } = {},
): RecordingKind {
  const recording: RecordingKind = {
    definition: undefined as never,
    runs: [],
    running: 0,
    maxRunning: 0,
    exhausted: [],
  };
  const definition: JobDefinition = {
    kind: options.kind ?? testJobKind(),
    retryDelaysSeconds: options.retryDelaysSeconds ?? [],
    groupConcurrency: options.groupConcurrency,
    timeoutMs: options.timeoutMs,
    async run(_deps, job) {
      const index = recording.runs.push(job) - 1;
      recording.running++;
      recording.maxRunning = Math.max(recording.maxRunning, recording.running);
      try {
        return options.behaviour ? await options.behaviour(job, index) : { outcome: "done" };
      } finally {
        recording.running--;
      }
    },
    async onExhausted(_deps, job) {
      recording.exhausted.push({ id: job.id, attempt: job.attempt, error: job.error });
    },
  };
  recording.definition = definition as unknown as JobDefinition<never>;
  return recording;
}

/** A promise the test opens when it wants: handlers wait on it. */
export function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

export async function jobRow(db: Database, id: string): Promise<JobRow | undefined> {
  const [row] = await db.select().from(jobs).where(eq(jobs.id, id));
  return row;
}

export async function jobRows(db: Database, ids: readonly string[]): Promise<JobRow[]> {
  return db
    .select()
    .from(jobs)
    .where(inArray(jobs.id, [...ids]));
}
