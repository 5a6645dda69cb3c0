import type { Metrics } from "./metrics.ts";
import { Counter, Gauge, Histogram, PROMETHEUS_CONTENT_TYPE, PrometheusRegistry } from "./prometheus-text.ts";

export const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
// A query or a Redis call takes a millisecond or less when healthy; the upper buckets catch timeouts.
const DEPENDENCY_DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
// Milliseconds when published after commit; up to the relay interval (Node) or a cron minute (Workers) after a miss.
// A job is a mail or a webhook call: tens of milliseconds to its timeout.
const JOB_DURATION_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const PUBLISH_LAG_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/** What `GET /metrics` serves. */
export interface MetricsExposition {
  readonly contentType: string;
  render(): string;
}

export type PrometheusMetrics = Metrics & MetricsExposition;

/**
 * The Node implementation: one registry per process, scraped at `GET /metrics`. The names are a
 * contract (the soak and the benchmark read them); `gauges` adds runtime figures read per scrape.
 */
export function createPrometheusMetrics(options: { gauges?: readonly Gauge[] } = {}): PrometheusMetrics {
  const registry = new PrometheusRegistry();
  const httpRequests = registry.register(
    new Counter("tixgenius_http_requests_total", "HTTP requests answered", ["method", "route", "status"]),
  );
  const httpDurations = registry.register(
    new Histogram(
      "tixgenius_http_request_duration_seconds",
      "Time from a request's arrival to its response headers",
      HTTP_DURATION_BUCKETS,
      ["method", "route", "status"],
    ),
  );
  const dependencyDurations = registry.register(
    new Histogram(
      "tixgenius_dependency_duration_seconds",
      "Duration of one PostgreSQL query or one Redis REST call",
      DEPENDENCY_DURATION_BUCKETS,
      ["dependency"],
    ),
  );
  const dependencyErrors = registry.register(
    new Counter(
      "tixgenius_dependency_errors_total",
      "Dependency calls that failed (unreachable, timed out, refused)",
      ["dependency"],
    ),
  );
  dependencyErrors.initialize("postgres");
  dependencyErrors.initialize("redis");
  const rateLimitDecisions = registry.register(
    new Counter("tixgenius_rate_limit_decisions_total", "Rate-limit decisions", ["policy", "decision"]),
  );
  const publishLag = registry.register(
    new Histogram(
      "tixgenius_event_publish_lag_seconds",
      "Time from an event's outbox insert to its publish",
      PUBLISH_LAG_BUCKETS,
    ),
  );
  const relayBacklog = registry.register(
    new Gauge("tixgenius_event_relay_backlog", "Outbox events unpublished after the last relay pass"),
  );
  const webhookAttempts = registry.register(
    new Counter("tixgenius_webhook_attempts_total", "Webhook HTTP attempts by outcome", ["outcome"]),
  );
  webhookAttempts.initialize("succeeded");
  webhookAttempts.initialize("failed");
  const webhookAttemptDurations = registry.register(
    new Histogram(
      "tixgenius_webhook_attempt_duration_seconds",
      "Time a webhook receiver took to answer (or to fail)",
      HTTP_DURATION_BUCKETS,
    ),
  );
  const webhookDeliveryLag = registry.register(
    new Histogram(
      "tixgenius_webhook_delivery_lag_seconds",
      "Time from an event's commit to its webhook's successful delivery",
      PUBLISH_LAG_BUCKETS,
    ),
  );
  const webhookBacklog = registry.register(
    new Gauge("tixgenius_webhook_backlog", "Webhook deliveries still pending after the last fan-out pass"),
  );
  const jobRuns = registry.register(
    new Counter("tixgenius_jobs_total", "Job runs by kind and outcome (failed: for good)", [
      "kind",
      "outcome",
    ]),
  );
  const jobDurations = registry.register(
    new Histogram("tixgenius_job_run_seconds", "Time a job's handler ran", JOB_DURATION_BUCKETS, ["kind"]),
  );
  const jobStartDelays = registry.register(
    new Histogram(
      "tixgenius_job_start_delay_seconds",
      "Time from a job becoming due (its commit, or its retry time) to its start",
      PUBLISH_LAG_BUCKETS,
      ["kind"],
    ),
  );
  const jobsDue = registry.register(
    new Gauge(
      "tixgenius_jobs_due",
      "Pending jobs already due at the last maintenance pass (waiting for a runner)",
    ),
  );
  const jobsPending = registry.register(
    new Gauge(
      "tixgenius_jobs_pending",
      "Pending jobs at the last maintenance pass, scheduled retries included",
    ),
  );
  for (const gauge of options.gauges ?? []) registry.register(gauge);

  return {
    contentType: PROMETHEUS_CONTENT_TYPE,
    render: () => registry.render(),
    httpRequest(method, route, status, seconds) {
      httpRequests.inc(method, route, status);
      httpDurations.observe(seconds, method, route, status);
    },
    dependencyCall(dependency, seconds, ok) {
      dependencyDurations.observe(seconds, dependency);
      if (!ok) dependencyErrors.inc(dependency);
    },
    rateLimitDecision(policy, decision) {
      rateLimitDecisions.inc(policy, decision);
    },
    eventsPublished(lagSeconds) {
      for (const lag of lagSeconds) publishLag.observe(lag);
    },
    eventRelayBacklog(unpublished) {
      relayBacklog.set(unpublished);
    },
    webhookAttempt(outcome, seconds) {
      webhookAttempts.inc(outcome);
      webhookAttemptDurations.observe(seconds);
    },
    webhookDelivered(lagSeconds) {
      webhookDeliveryLag.observe(lagSeconds);
    },
    webhookBacklog(pending) {
      webhookBacklog.set(pending);
    },
    jobStarted(kind, waitedSeconds) {
      jobStartDelays.observe(Math.max(0, waitedSeconds), kind);
    },
    jobRun(kind, outcome, seconds) {
      jobRuns.inc(kind, outcome);
      jobDurations.observe(seconds, kind);
    },
    jobBacklog(due, pending) {
      jobsDue.set(due);
      jobsPending.set(pending);
    },
  };
}
