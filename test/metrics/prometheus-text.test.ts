import { describe, expect, it } from "vitest";
import { createPrometheusMetrics, HTTP_DURATION_BUCKETS } from "../../src/lib/metrics/prometheus-metrics.ts";
import { Counter, Gauge, Histogram, PrometheusRegistry } from "../../src/lib/metrics/prometheus-text.ts";
import { parseExposition, sampleValue } from "../support/prometheus-text.ts";

describe("the Prometheus text registry", () => {
  it("puts each observation in the first bucket whose bound it does not exceed, cumulated when rendered", () => {
    const registry = new PrometheusRegistry();
    const histogram = registry.register(
      new Histogram("test_seconds", "A test", HTTP_DURATION_BUCKETS, ["route"]),
    );
    for (const seconds of [0.003, 0.005, 0.007, 0.3, 20]) histogram.observe(seconds, "/a");
    histogram.observe(1, "/b");

    const samples = parseExposition(registry.render());
    const bucket = (le: string, route = "/a") => sampleValue(samples, "test_seconds_bucket", { route, le });
    expect(bucket("0.005")).toBe(2); // 0.005 itself belongs to le="0.005"
    expect(bucket("0.01")).toBe(3);
    expect(bucket("0.25")).toBe(3);
    expect(bucket("0.5")).toBe(4);
    expect(bucket("10")).toBe(4);
    expect(bucket("+Inf")).toBe(5);
    expect(sampleValue(samples, "test_seconds_count", { route: "/a" })).toBe(5);
    expect(sampleValue(samples, "test_seconds_sum", { route: "/a" })).toBeCloseTo(20.315, 10);
    expect(bucket("0.5", "/b")).toBe(0);
    expect(bucket("1", "/b")).toBe(1);
    const bounds = samples.filter((s) => s.name === "test_seconds_bucket" && s.labels.route === "/a");
    expect(bounds.map((s) => s.labels.le)).toEqual([...HTTP_DURATION_BUCKETS.map(String), "+Inf"]);
  });

  it("escapes backslashes, quotes and line feeds in label values and help text, and reads back the same", () => {
    const registry = new PrometheusRegistry();
    const counter = registry.register(new Counter("test_total", 'Help with \\ and\na "line"', ["value"]));
    const awkward = 'a\\b "quoted"\nnext line';
    counter.inc(awkward);
    counter.inc(awkward);
    const text = registry.render();
    expect(text).toContain('test_total{value="a\\\\b \\"quoted\\"\\nnext line"} 2\n');
    expect(text).toContain('# HELP test_total Help with \\\\ and\\na "line"\n');
    expect(sampleValue(parseExposition(text), "test_total", { value: awkward })).toBe(2);
  });

  it("renders HELP and TYPE for every family, and unlabelled gauges even before they are set", () => {
    const registry = new PrometheusRegistry();
    registry.register(new Counter("test_requests_total", "Requests", ["status"]));
    registry.register(new Gauge("test_backlog", "Backlog"));
    registry.register(new Gauge("test_read_at_scrape", "Read when scraped", () => 42));
    expect(registry.render()).toBe(
      [
        "# HELP test_requests_total Requests",
        "# TYPE test_requests_total counter",
        "# HELP test_backlog Backlog",
        "# TYPE test_backlog gauge",
        "test_backlog 0",
        "# HELP test_read_at_scrape Read when scraped",
        "# TYPE test_read_at_scrape gauge",
        "test_read_at_scrape 42",
        "",
      ].join("\n"),
    );
  });

  it("refuses invalid names, reserved labels, unordered buckets and a family registered twice", () => {
    expect(() => new Counter("bad-name", "x")).toThrow(/metric name/);
    expect(() => new Counter("ok_total", "x", ["le"])).toThrow(/label name/);
    expect(() => new Counter("ok_total", "x", ["__internal"])).toThrow(/label name/);
    expect(() => new Counter("ok_total", "x", ["a", "b", "c", "d"])).toThrow(/more than 3/);
    expect(() => new Histogram("ok_seconds", "x", [1, 0.5])).toThrow(/increasing/);
    const registry = new PrometheusRegistry();
    registry.register(new Gauge("twice", "x"));
    expect(() => registry.register(new Gauge("twice", "x"))).toThrow(/twice/);
  });

  it("exposes every metric name the soak and the benchmark read, in a strictly valid exposition", () => {
    const metrics = createPrometheusMetrics();
    metrics.httpRequest("GET", "/v1/tickets/:id", 200, 0.012);
    metrics.dependencyCall("postgres", 0.0004, true);
    metrics.dependencyCall("redis", 0.3, false);
    metrics.rateLimitDecision("read", "allowed");
    metrics.eventsPublished([0.02, 3]);
    metrics.eventRelayBacklog(7);

    const samples = parseExposition(metrics.render());
    const names = new Set(samples.map((sample) => sample.name));
    for (const name of [
      "tixgenius_http_requests_total",
      "tixgenius_http_request_duration_seconds_bucket",
      "tixgenius_dependency_duration_seconds_bucket",
      "tixgenius_dependency_errors_total",
      "tixgenius_rate_limit_decisions_total",
      "tixgenius_event_publish_lag_seconds_bucket",
      "tixgenius_event_relay_backlog",
    ]) {
      expect(names).toContain(name);
    }
    expect(sampleValue(samples, "tixgenius_dependency_errors_total", { dependency: "redis" })).toBe(1);
    // Known series start at zero, so a rate over them is defined before the first error.
    expect(sampleValue(samples, "tixgenius_dependency_errors_total", { dependency: "postgres" })).toBe(0);
    expect(samples).toContainEqual({
      name: "tixgenius_dependency_errors_total",
      labels: { dependency: "postgres" },
      value: 0,
    });
    expect(sampleValue(samples, "tixgenius_event_publish_lag_seconds_count")).toBe(2);
    expect(sampleValue(samples, "tixgenius_event_relay_backlog")).toBe(7);
  });
});

describe("the strict exposition reader used by these tests", () => {
  it("rejects what a scraper could misread", () => {
    const valid = "# TYPE a_total counter\na_total 1\n";
    expect(parseExposition(valid)).toEqual([{ name: "a_total", labels: {}, value: 1 }]);
    expect(() => parseExposition("a_total 1\n")).toThrow(/before its TYPE/);
    expect(() => parseExposition("# TYPE a_total counter\na_total 1")).toThrow(/line feed/);
    expect(() => parseExposition('# TYPE a_total counter\na_total{x="1",} 1\n')).toThrow(/bad labels/);
    expect(() => parseExposition('# TYPE a_total counter\na_total{x="a\\tb"} 1\n')).toThrow(/bad labels/);
    expect(() => parseExposition("# TYPE a_total counter\na_total one\n")).toThrow(/bad value/);
    const notCumulative = [
      "# TYPE h histogram",
      'h_bucket{le="1"} 2',
      'h_bucket{le="+Inf"} 1',
      "h_sum 1",
      "h_count 1",
      "",
    ].join("\n");
    expect(() => parseExposition(notCumulative)).toThrow(/cumulative/);
  });
});
