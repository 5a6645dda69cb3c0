import { gaugeOf, histogramQuantile, type MetricSample, sumOf } from "./prometheus.ts";

/** Requests whose duration is not a response time: the long-lived event stream, and the scrapes themselves. */
const notStreamOrScrape = (labels: Readonly<Record<string, string>>) =>
  !/^\/v1\/events\/?$/.test(labels.route ?? "") && labels.route !== "/metrics";

const milliseconds = (seconds?: number) =>
  seconds === undefined ? undefined : Number((seconds * 1000).toFixed(2));

/** The server's own account of the run, from the API's /metrics at the end. */
export function serverFigures(samples: readonly MetricSample[]) {
  const duration = "tixgenius_http_request_duration_seconds";
  const lag = "tixgenius_event_publish_lag_seconds";
  return {
    requests: sumOf(samples, "tixgenius_http_requests_total"),
    serverErrors: sumOf(samples, "tixgenius_http_requests_total", (labels) =>
      (labels.status ?? "").startsWith("5"),
    ),
    latencyMs: {
      p50: milliseconds(histogramQuantile(samples, duration, 0.5, notStreamOrScrape)),
      p99: milliseconds(histogramQuantile(samples, duration, 0.99, notStreamOrScrape)),
    },
    publishLagMs: {
      p50: milliseconds(histogramQuantile(samples, lag, 0.5)),
      p99: milliseconds(histogramQuantile(samples, lag, 0.99)),
    },
    relayBacklog: gaugeOf(samples, "tixgenius_event_relay_backlog"),
    rateLimitDecisions: Object.fromEntries(
      ["allowed", "limited", "skipped"].map((decision) => [
        decision,
        sumOf(samples, "tixgenius_rate_limit_decisions_total", (labels) => labels.decision === decision),
      ]),
    ),
  };
}
