/**
 * A small in-process registry that renders the Prometheus text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/). Observations only touch numbers
 * in series found through one Map per label; every string is built at scrape time.
 */

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

type LabelValue = string | number;

export interface MetricFamily {
  readonly name: string;
  /** Appends the family's `# HELP`, `# TYPE` and sample lines. */
  render(lines: string[]): void;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const MAX_LABELS = 3;

/** Series addressed by their label values, one Map level per label: an observation builds no key string. */
class SeriesByLabels<Series> {
  readonly #root = new Map<LabelValue, unknown>();
  #unlabelled: Series | undefined;

  constructor(
    readonly labelNames: readonly string[],
    private readonly create: () => Series,
  ) {}

  at(first: LabelValue = "", second: LabelValue = "", third: LabelValue = ""): Series {
    switch (this.labelNames.length) {
      case 0:
        this.#unlabelled ??= this.create();
        return this.#unlabelled;
      case 1:
        return this.#leaf(this.#root, first);
      case 2:
        return this.#leaf(branch(this.#root, first), second);
      default:
        return this.#leaf(branch(branch(this.#root, first), second), third);
    }
  }

  /** Every series with its label values, in first-seen order. */
  forEach(visit: (labelValues: readonly LabelValue[], series: Series) => void): void {
    if (this.labelNames.length === 0) {
      if (this.#unlabelled) visit([], this.#unlabelled);
      return;
    }
    const walk = (level: Map<LabelValue, unknown>, prefix: LabelValue[]) => {
      for (const [value, child] of level) {
        const labelValues = [...prefix, value];
        if (labelValues.length === this.labelNames.length) visit(labelValues, child as Series);
        else walk(child as Map<LabelValue, unknown>, labelValues);
      }
    };
    walk(this.#root, []);
  }

  #leaf(level: Map<LabelValue, unknown>, value: LabelValue): Series {
    let series = level.get(value) as Series | undefined;
    if (series === undefined) {
      series = this.create();
      level.set(value, series);
    }
    return series;
  }
}

function branch(level: Map<LabelValue, unknown>, value: LabelValue): Map<LabelValue, unknown> {
  let next = level.get(value) as Map<LabelValue, unknown> | undefined;
  if (next === undefined) {
    next = new Map();
    level.set(value, next);
  }
  return next;
}

function checkNames(name: string, labelNames: readonly string[]): void {
  if (!METRIC_NAME.test(name)) throw new Error(`metrics: invalid metric name ${name}`);
  if (labelNames.length > MAX_LABELS) throw new Error(`metrics: ${name} has more than ${MAX_LABELS} labels`);
  for (const label of labelNames) {
    if (!LABEL_NAME.test(label) || label.startsWith("__") || label === "le") {
      throw new Error(`metrics: invalid label name ${label} on ${name}`);
    }
  }
}

export class Counter implements MetricFamily {
  readonly #series: SeriesByLabels<{ value: number }>;

  constructor(
    readonly name: string,
    readonly help: string,
    labelNames: readonly string[] = [],
  ) {
    checkNames(name, labelNames);
    this.#series = new SeriesByLabels(labelNames, () => ({ value: 0 }));
  }

  inc(first?: LabelValue, second?: LabelValue, third?: LabelValue): void {
    this.#series.at(first, second, third).value++;
  }

  /** Exposes a known series at 0 before its first increment, so rates over it start at once. */
  initialize(first?: LabelValue, second?: LabelValue, third?: LabelValue): void {
    this.#series.at(first, second, third);
  }

  render(lines: string[]): void {
    header(lines, this.name, this.help, "counter");
    const names = this.#series.labelNames;
    this.#series.forEach((values, series) => {
      lines.push(`${this.name}${braced(labelPairs(names, values))} ${formatNumber(series.value)}`);
    });
  }
}

interface HistogramSeries {
  /** Per bucket, not cumulative (the last one is +Inf); cumulated when rendered. */
  counts: Float64Array;
  sum: number;
}

export class Histogram implements MetricFamily {
  readonly #series: SeriesByLabels<HistogramSeries>;
  readonly #bounds: readonly number[];

  constructor(
    readonly name: string,
    readonly help: string,
    buckets: readonly number[],
    labelNames: readonly string[] = [],
  ) {
    checkNames(name, labelNames);
    if (
      buckets.length === 0 ||
      buckets.some((bound, index) => index > 0 && bound <= (buckets[index - 1] ?? 0))
    ) {
      throw new Error(`metrics: ${name} needs strictly increasing buckets`);
    }
    this.#bounds = [...buckets];
    const size = buckets.length + 1;
    this.#series = new SeriesByLabels(labelNames, () => ({ counts: new Float64Array(size), sum: 0 }));
  }

  observe(value: number, first?: LabelValue, second?: LabelValue, third?: LabelValue): void {
    const series = this.#series.at(first, second, third);
    const bounds = this.#bounds;
    let bucket = 0;
    while (bucket < bounds.length && value > (bounds[bucket] as number)) bucket++;
    (series.counts[bucket] as number)++;
    series.sum += value;
  }

  render(lines: string[]): void {
    header(lines, this.name, this.help, "histogram");
    const names = this.#series.labelNames;
    this.#series.forEach((values, series) => {
      const pairs = labelPairs(names, values);
      const prefix = pairs ? `${pairs},` : "";
      let cumulative = 0;
      for (const [bucket, count] of series.counts.entries()) {
        cumulative += count;
        const bound = bucket < this.#bounds.length ? formatNumber(this.#bounds[bucket] as number) : "+Inf";
        lines.push(`${this.name}_bucket{${prefix}le="${bound}"} ${formatNumber(cumulative)}`);
      }
      lines.push(`${this.name}_sum${braced(pairs)} ${formatNumber(series.sum)}`);
      lines.push(`${this.name}_count${braced(pairs)} ${formatNumber(cumulative)}`);
    });
  }
}

/** An unlabelled gauge: set by the app, or read when scraped (`read`). */
export class Gauge implements MetricFamily {
  #value = 0;

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly read?: () => number,
  ) {
    checkNames(name, []);
  }

  set(value: number): void {
    this.#value = value;
  }

  render(lines: string[]): void {
    header(lines, this.name, this.help, "gauge");
    lines.push(`${this.name} ${formatNumber(this.read ? this.read() : this.#value)}`);
  }
}

export class PrometheusRegistry {
  readonly #families: MetricFamily[] = [];

  register<Family extends MetricFamily>(family: Family): Family {
    if (this.#families.some((known) => known.name === family.name)) {
      throw new Error(`metrics: ${family.name} is registered twice`);
    }
    this.#families.push(family);
    return family;
  }

  render(): string {
    const lines: string[] = [];
    for (const family of this.#families) family.render(lines);
    return `${lines.join("\n")}\n`;
  }
}

function header(lines: string[], name: string, help: string, type: string): void {
  lines.push(`# HELP ${name} ${help.replaceAll("\\", "\\\\").replaceAll("\n", "\\n")}`);
  lines.push(`# TYPE ${name} ${type}`);
}

function labelPairs(names: readonly string[], values: readonly LabelValue[]): string {
  return names.map((name, index) => `${name}="${escapeLabelValue(String(values[index]))}"`).join(",");
}

function braced(pairs: string): string {
  return pairs ? `{${pairs}}` : "";
}

/** The format's three escapes in label values: backslash, double quote and line feed. */
export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (character) => (character === "\n" ? "\\n" : `\\${character}`));
}

function formatNumber(value: number): string {
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}
