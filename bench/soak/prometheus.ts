/**
 * Reading the API's `GET /metrics` (Prometheus text exposition format 0.0.4): the soak takes its
 * 5xx count, RSS, relay backlog and publish lag from there, as an operator's dashboard would.
 */
export interface MetricSample {
  name: string;
  labels: Readonly<Record<string, string>>;
  value: number;
}

type LabelFilter = (labels: Readonly<Record<string, string>>) => boolean;
const everySample: LabelFilter = () => true;

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/;
/** One `name="value"` pair, then a comma or the end (a trailing comma is allowed). */
const LABEL_PAIR = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(?:,|$)/;

/** Every sample of the exposition; `# HELP`, `# TYPE` and blank lines carry no values. */
export function parsePrometheusText(text: string): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const [index, raw] of text.split("\n").entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const match = SAMPLE_LINE.exec(line);
    if (!match) throw new Error(`metrics line ${index + 1} is not a sample: ${line}`);
    const [, name = "", labelText = "", valueText = ""] = match;
    samples.push({
      name,
      labels: parseLabels(labelText, index + 1),
      value: parseValue(valueText, index + 1),
    });
  }
  return samples;
}

function parseLabels(text: string, lineNumber: number): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = text;
  while (rest.trim() !== "") {
    const pair = LABEL_PAIR.exec(rest);
    if (!pair) throw new Error(`metrics line ${lineNumber}: malformed labels {${text}}`);
    const [whole, key = "", value = ""] = pair;
    labels[key] = value.replace(/\\(["\\n])/g, (_, escaped: string) => (escaped === "n" ? "\n" : escaped));
    rest = rest.slice(whole.length);
  }
  return labels;
}

function parseValue(text: string, lineNumber: number): number {
  if (text === "+Inf") return Number.POSITIVE_INFINITY;
  if (text === "-Inf") return Number.NEGATIVE_INFINITY;
  if (text === "NaN") return Number.NaN;
  const value = Number(text);
  if (Number.isNaN(value)) throw new Error(`metrics line ${lineNumber}: value "${text}" is not a number`);
  return value;
}

/** The sum over every series of `name` the filter keeps (0 when there is none: a counter not yet incremented). */
export function sumOf(samples: readonly MetricSample[], name: string, where = everySample): number {
  return samples
    .filter((sample) => sample.name === name && where(sample.labels))
    .reduce((sum, sample) => sum + sample.value, 0);
}

/** The one value of an unlabelled gauge; a missing gauge is an error, not a zero. */
export function gaugeOf(samples: readonly MetricSample[], name: string): number {
  const series = samples.filter((sample) => sample.name === name);
  if (series.length !== 1) throw new Error(`expected one ${name} series, found ${series.length}`);
  return (series[0] as MetricSample).value;
}

/**
 * The q-quantile of a histogram over every series the filter keeps (buckets summed by `le`), as
 * PromQL's histogram_quantile computes it: linear within the bucket holding the rank, the largest
 * finite bound when the rank falls in +Inf. Undefined while the histogram is empty.
 */
export function histogramQuantile(
  samples: readonly MetricSample[],
  name: string,
  q: number,
  where = everySample,
): number | undefined {
  const byBound = new Map<number, number>();
  for (const sample of samples) {
    if (sample.name !== `${name}_bucket` || !where(sample.labels)) continue;
    const bound = parseValue(sample.labels.le ?? "", 0);
    byBound.set(bound, (byBound.get(bound) ?? 0) + sample.value);
  }
  const buckets = [...byBound.entries()].sort(([a], [b]) => a - b);
  const total = buckets.at(-1)?.[1] ?? 0;
  if (total === 0 || buckets.at(-1)?.[0] !== Number.POSITIVE_INFINITY) return undefined;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const [bound, count] of buckets) {
    if (count >= rank) {
      if (bound === Number.POSITIVE_INFINITY) return lowerBound;
      if (count === lowerCount) return bound;
      return lowerBound + ((bound - lowerBound) * (rank - lowerCount)) / (count - lowerCount);
    }
    lowerBound = bound;
    lowerCount = count;
  }
  return lowerBound;
}
