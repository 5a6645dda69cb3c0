import { describe, expect, it } from "vitest";
import { gaugeOf, histogramQuantile, parsePrometheusText, sumOf } from "../../bench/soak/prometheus.ts";
import { serverFigures } from "../../bench/soak/server-figures.ts";

/** What the API's /metrics renders, trimmed to a few series (the soak reads these names). */
const EXPOSITION = `# HELP tixgenius_http_requests_total HTTP requests answered
# TYPE tixgenius_http_requests_total counter
tixgenius_http_requests_total{method="GET",route="/v1/tickets",status="200"} 120
tixgenius_http_requests_total{method="POST",route="/v1/tickets",status="201"} 30
tixgenius_http_requests_total{method="PATCH",route="/v1/tickets/:id",status="503"} 2
tixgenius_http_requests_total{method="GET",route="/v1/events",status="200"} 1
tixgenius_http_requests_total{method="GET",route="/v1/tickets/:id",status="500"} 1
# HELP tixgenius_http_request_duration_seconds HTTP request duration
# TYPE tixgenius_http_request_duration_seconds histogram
tixgenius_http_request_duration_seconds_bucket{method="GET",route="/v1/tickets",status="200",le="0.01"} 60
tixgenius_http_request_duration_seconds_bucket{method="GET",route="/v1/tickets",status="200",le="0.1"} 118
tixgenius_http_request_duration_seconds_bucket{method="GET",route="/v1/tickets",status="200",le="+Inf"} 120
tixgenius_http_request_duration_seconds_sum{method="GET",route="/v1/tickets",status="200"} 2.5
tixgenius_http_request_duration_seconds_count{method="GET",route="/v1/tickets",status="200"} 120
tixgenius_http_request_duration_seconds_bucket{method="GET",route="/v1/events",status="200",le="0.01"} 0
tixgenius_http_request_duration_seconds_bucket{method="GET",route="/v1/events",status="200",le="0.1"} 0
tixgenius_http_request_duration_seconds_bucket{method="GET",route="/v1/events",status="200",le="+Inf"} 1
# HELP tixgenius_event_publish_lag_seconds From commit to publish
# TYPE tixgenius_event_publish_lag_seconds histogram
tixgenius_event_publish_lag_seconds_bucket{le="0.005"} 50
tixgenius_event_publish_lag_seconds_bucket{le="0.025"} 90
tixgenius_event_publish_lag_seconds_bucket{le="2.5"} 100
tixgenius_event_publish_lag_seconds_bucket{le="+Inf"} 100
tixgenius_event_publish_lag_seconds_sum 0.9
tixgenius_event_publish_lag_seconds_count 100
# HELP tixgenius_event_relay_backlog Outbox events unpublished after the last relay pass
# TYPE tixgenius_event_relay_backlog gauge
tixgenius_event_relay_backlog 0
# HELP process_resident_memory_bytes Resident set size in bytes
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes 1.2345e+08
`;

describe("parsePrometheusText", () => {
  it("reads every sample with its labels and skips HELP, TYPE and blank lines", () => {
    const samples = parsePrometheusText(EXPOSITION);
    expect(samples).toHaveLength(21);
    expect(samples[0]).toEqual({
      name: "tixgenius_http_requests_total",
      labels: { method: "GET", route: "/v1/tickets", status: "200" },
      value: 120,
    });
    expect(gaugeOf(samples, "process_resident_memory_bytes")).toBe(123_450_000);
  });

  it("unescapes label values and reads +Inf, NaN and timestamps", () => {
    const [escaped, infinite, notANumber] = parsePrometheusText(
      'a{path="C:\\\\tmp",quote="say \\"hi\\"",line="1\\n2"} 1 1700000000000\nb +Inf\nc NaN\n',
    );
    expect(escaped).toEqual({
      name: "a",
      labels: { path: "C:\\tmp", quote: 'say "hi"', line: "1\n2" },
      value: 1,
    });
    expect(infinite?.value).toBe(Number.POSITIVE_INFINITY);
    expect(notANumber?.value).toBeNaN();
  });

  it("refuses a line that is not a sample, naming its line number", () => {
    expect(() => parsePrometheusText("ok 1\nnot a sample line\n")).toThrow(/line 2/);
    expect(() => parsePrometheusText('x{a="1" b="2"} 1')).toThrow(/malformed labels/);
  });
});

describe("sums, gauges and histogram quantiles", () => {
  const samples = parsePrometheusText(EXPOSITION);

  it("sums a counter over the series a filter keeps", () => {
    expect(sumOf(samples, "tixgenius_http_requests_total")).toBe(154);
    expect(
      sumOf(samples, "tixgenius_http_requests_total", (labels) => labels.status?.startsWith("5") ?? false),
    ).toBe(3);
    expect(sumOf(samples, "tixgenius_not_there_total")).toBe(0);
  });

  it("wants exactly one series of a gauge", () => {
    expect(() => gaugeOf(samples, "nodejs_heap_used_bytes")).toThrow(/found 0/);
  });

  it("interpolates within the bucket holding the rank, as histogram_quantile does", () => {
    const lag = "tixgenius_event_publish_lag_seconds";
    expect(histogramQuantile(samples, lag, 0.5)).toBeCloseTo(0.005);
    // rank 70 of 100 lies halfway through (0.005, 0.025]: 50 below it, 90 at its top.
    expect(histogramQuantile(samples, lag, 0.7)).toBeCloseTo(0.015);
    expect(histogramQuantile(samples, lag, 0.99)).toBeCloseTo(0.025 + (2.5 - 0.025) * 0.9);
  });

  it("answers the largest finite bound when the rank falls in +Inf, and nothing for an empty histogram", () => {
    const onlyInf = parsePrometheusText('h_bucket{le="1"} 0\nh_bucket{le="+Inf"} 4\n');
    expect(histogramQuantile(onlyInf, "h", 0.5)).toBe(1);
    expect(
      histogramQuantile(parsePrometheusText('h_bucket{le="1"} 0\nh_bucket{le="+Inf"} 0\n'), "h", 0.5),
    ).toBe(undefined);
  });

  it("adds up buckets across series before taking the quantile", () => {
    const twoRoutes = parsePrometheusText(
      [
        'h_bucket{route="a",le="1"} 10',
        'h_bucket{route="a",le="+Inf"} 10',
        'h_bucket{route="b",le="1"} 0',
        'h_bucket{route="b",le="+Inf"} 10',
      ].join("\n"),
    );
    expect(histogramQuantile(twoRoutes, "h", 0.25)).toBeCloseTo(0.5);
    expect(histogramQuantile(twoRoutes, "h", 0.75)).toBe(1);
  });
});

describe("serverFigures", () => {
  it("counts 5xx from the status label and leaves the event stream out of request latency", () => {
    const figures = serverFigures(parsePrometheusText(EXPOSITION));
    expect(figures.requests).toBe(154);
    expect(figures.serverErrors).toBe(3);
    // 120 ticket-list requests only: p50 at rank 60 is the top of the first bucket (10 ms).
    expect(figures.latencyMs.p50).toBe(10);
    expect(figures.publishLagMs.p50).toBe(5);
    expect(figures.relayBacklog).toBe(0);
  });
});
