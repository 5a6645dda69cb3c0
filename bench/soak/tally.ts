/** What the soak's own client saw: every answer's status and latency, per operation. */
export type Answer = number | "transport_error";

export interface LatencySummary {
  p50: number;
  p99: number;
  max: number;
}

export interface OperationSummary {
  count: number;
  statuses: Record<string, number>;
  latencyMs: LatencySummary;
}

export interface TallySummary {
  total: number;
  /** Answers with a 5xx status. */
  serverErrors: number;
  /** Requests that got no answer at all (refused, reset, timed out). */
  transportErrors: number;
  /** 2xx and 304: the traffic did what it meant to, not only "did not crash". */
  succeeded: number;
  statuses: Record<string, number>;
  latencyMs: LatencySummary;
  operations: Record<string, OperationSummary>;
}

export interface Tally {
  record(operation: string, answer: Answer, ms: number): void;
  summary(): TallySummary;
}

export function createTally(): Tally {
  const byOperation = new Map<string, { answers: Answer[]; latencies: number[] }>();
  return {
    record(operation, answer, ms) {
      let entry = byOperation.get(operation);
      if (!entry) {
        entry = { answers: [], latencies: [] };
        byOperation.set(operation, entry);
      }
      entry.answers.push(answer);
      entry.latencies.push(ms);
    },
    summary() {
      const answers = [...byOperation.values()].flatMap((entry) => entry.answers);
      const latencies = [...byOperation.values()].flatMap((entry) => entry.latencies);
      const operations = Object.fromEntries(
        [...byOperation.entries()]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([name, entry]) => [
            name,
            {
              count: entry.answers.length,
              statuses: countBy(entry.answers),
              latencyMs: summarizeLatency(entry.latencies),
            },
          ]),
      );
      return {
        total: answers.length,
        serverErrors: answers.filter((answer) => typeof answer === "number" && answer >= 500).length,
        transportErrors: answers.filter((answer) => answer === "transport_error").length,
        succeeded: answers.filter((answer) => answer === 304 || (typeof answer === "number" && answer < 300))
          .length,
        statuses: countBy(answers),
        latencyMs: summarizeLatency(latencies),
        operations,
      };
    },
  };
}

function countBy(answers: readonly Answer[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const answer of answers) counts[String(answer)] = (counts[String(answer)] ?? 0) + 1;
  return counts;
}

export function summarizeLatency(latencies: readonly number[]): LatencySummary {
  const sorted = [...latencies].sort((a, b) => a - b);
  const round = (value: number) => Number(value.toFixed(1));
  return {
    p50: round(percentile(sorted, 0.5)),
    p99: round(percentile(sorted, 0.99)),
    max: round(sorted.at(-1) ?? 0),
  };
}

/** Nearest-rank percentile of an ascending list (0 for an empty one). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil(p * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}
