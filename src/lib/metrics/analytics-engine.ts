import type { Metrics } from "./metrics.ts";

/** The part of a Workers Analytics Engine dataset binding (`writeDataPoint`) the app uses. */
export interface DataPointWriter {
  writeDataPoint(point: { indexes?: string[]; blobs?: string[]; doubles?: number[] }): void;
}

/**
 * The Workers implementation: data points in an Analytics Engine dataset, queried later with SQL.
 * `index1` names the kind of point; the columns per kind are:
 *
 * | index1             | blobs                  | doubles                                   |
 * | `http_request`     | route, method, status  | seconds                                   |
 * | `dependency_error` | dependency             | seconds                                   |
 * | `event_publish`    | —                      | events, max lag seconds, summed lag       |
 * | `event_relay`      | —                      | unpublished after the pass                |
 * | `webhook_attempt`  | outcome                | seconds                                   |
 * | `webhook_delivered`| —                      | seconds from commit to the 2xx            |
 * | `webhook_backlog`  | —                      | pending deliveries                        |
 * | `job_run`          | kind, outcome          | run seconds                               |
 * | `job_backlog`      | —                      | due, pending                              |
 *
 * `writeDataPoint` queues the point and returns at once; nothing here is awaited. Successful
 * dependency calls and rate-limit decisions are not written: Analytics Engine accepts only 25
 * points per invocation, and the request's own point already carries its 429.
 */
export function createAnalyticsEngineMetrics(dataset: DataPointWriter): Metrics {
  const write = (point: Parameters<DataPointWriter["writeDataPoint"]>[0]) => {
    try {
      dataset.writeDataPoint(point);
    } catch {
      // Over the per-invocation limit or a dataset misconfiguration: metrics never fail a request.
    }
  };
  return {
    httpRequest(method, route, status, seconds) {
      write({ indexes: ["http_request"], blobs: [route, method, String(status)], doubles: [seconds] });
    },
    dependencyCall(dependency, seconds, ok) {
      if (!ok) write({ indexes: ["dependency_error"], blobs: [dependency], doubles: [seconds] });
    },
    rateLimitDecision() {},
    eventsPublished(lagSeconds) {
      if (lagSeconds.length === 0) return;
      let max = 0;
      let sum = 0;
      for (const lag of lagSeconds) {
        max = Math.max(max, lag);
        sum += lag;
      }
      write({ indexes: ["event_publish"], doubles: [lagSeconds.length, max, sum] });
    },
    eventRelayBacklog(unpublished) {
      write({ indexes: ["event_relay"], doubles: [unpublished] });
    },
    webhookAttempt(outcome, seconds) {
      write({ indexes: ["webhook_attempt"], blobs: [outcome], doubles: [seconds] });
    },
    webhookDelivered(lagSeconds) {
      write({ indexes: ["webhook_delivered"], doubles: [lagSeconds] });
    },
    webhookBacklog(pending) {
      write({ indexes: ["webhook_backlog"], doubles: [pending] });
    },
    // The start delay is not a point of its own (the 25-point budget); job_run carries the run.
    jobStarted() {},
    jobRun(kind, outcome, seconds) {
      write({ indexes: ["job_run"], blobs: [kind, outcome], doubles: [seconds] });
    },
    jobBacklog(due, pending) {
      write({ indexes: ["job_backlog"], doubles: [due, pending] });
    },
  };
}
