import type { Deps } from "../../deps.ts";

/** A job kind names its feature and verb: `webhook.deliver`, `mail.send`. */
export type JobKind = `${string}.${string}`;

/** What a handler may use: no request, no password hashing. On Workers `db` belongs to one message. */
export type JobDeps = Pick<
  Deps,
  "config" | "db" | "redis" | "clock" | "logger" | "metrics" | "jobs" | "waitUntil" | "mailer" | "webhooks"
>;

export type JobResult =
  | { outcome: "done" }
  /** Try again: after the definition's schedule (with full jitter), or after retryAfterSeconds exactly. */
  | { outcome: "retry"; error: string; retryAfterSeconds?: number }
  /** Permanent: no more attempts, and onExhausted is not called (the handler knows why it failed). */
  | { outcome: "failed"; error: string };

export interface JobRun<P> {
  id: string;
  payload: P;
  /** 1 on the first run. */
  attempt: number;
  /** Aborted when the run passes its timeout: hand it to any outbound request. */
  signal: AbortSignal;
}

export interface JobDefinition<P = Record<string, unknown>> {
  kind: JobKind;
  /**
   * The wait before each retry, in seconds: `[5, 300]` allows two retries (three runs). Each wait
   * is drawn uniformly from [0, delay] (full jitter), so failures of many jobs spread out. Once the
   * schedule is used up a retry result fails the job and onExhausted runs.
   */
  retryDelaysSeconds: readonly number[];
  /** At most this many jobs of one group run at once, across every instance. Unset: no cap. */
  groupConcurrency?: number;
  /** A run taking longer is abandoned (its signal aborted) and counts as a retry. Default 30 s. */
  timeoutMs?: number;
  run(deps: JobDeps, job: JobRun<P>): Promise<JobResult>;
  /** After the job failed for good because its retries ran out (or its runner kept dying). */
  onExhausted?(deps: JobDeps, job: { id: string; payload: P; attempt: number; error: string }): Promise<void>;
}

export const DEFAULT_JOB_TIMEOUT_MS = 30_000;

/** Kinds to their definitions. Tests build their own with test-only kinds; production uses registry.ts. */
export interface JobRegistry {
  readonly kinds: readonly JobKind[];
  get(kind: string): JobDefinition | undefined;
}

export function createJobRegistry(definitions: readonly JobDefinition<never>[]): JobRegistry {
  const byKind = new Map<string, JobDefinition>();
  for (const definition of definitions) {
    if (byKind.has(definition.kind)) throw new Error(`job kind ${definition.kind} is defined twice`);
    if (definition.retryDelaysSeconds.some((delay) => !(delay >= 0)))
      throw new Error(`job kind ${definition.kind}: retry delays must be non-negative numbers`);
    if (definition.groupConcurrency !== undefined && !(definition.groupConcurrency >= 1))
      throw new Error(`job kind ${definition.kind}: groupConcurrency must be at least 1`);
    byKind.set(definition.kind, definition as unknown as JobDefinition);
  }
  return { kinds: [...byKind.keys()] as JobKind[], get: (kind) => byKind.get(kind) };
}

/** Types a definition by its payload while keeping it assignable to the registry's list. */
export function defineJob<P>(definition: JobDefinition<P>): JobDefinition<never> {
  return definition as unknown as JobDefinition<never>;
}
