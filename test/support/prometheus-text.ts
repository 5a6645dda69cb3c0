/**
 * A strict reader of the Prometheus text exposition format 0.0.4, for tests: it refuses anything
 * a scraper could misread (a sample before its `# TYPE`, a bad escape, a trailing comma, buckets
 * out of order or not cumulative, a `+Inf` bucket that disagrees with `_count`).
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const COMMENT = new RegExp(`^# (HELP|TYPE) (${NAME}) (.*)$`);
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)$`);
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\["\\n])*)"(,|$)/;
const VALUE = /^(?:[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|[+-]Inf|NaN)$/;
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);

export function parseExposition(text: string): Sample[] {
  if (!text.endsWith("\n")) throw new Error("the exposition must end with a line feed");
  const types = new Map<string, string>();
  const helped = new Set<string>();
  const samples: Sample[] = [];
  for (const [index, line] of text.slice(0, -1).split("\n").entries()) {
    const where = `line ${index + 1} (${line})`;
    const comment = COMMENT.exec(line);
    if (comment) {
      const [, kind, name = "", rest = ""] = comment;
      if (kind === "TYPE") {
        if (types.has(name) || !TYPES.has(rest)) throw new Error(`${where}: repeated or unknown TYPE`);
        types.set(name, rest);
      } else {
        if (helped.has(name)) throw new Error(`${where}: repeated HELP`);
        helped.add(name);
      }
      continue;
    }
    const sample = SAMPLE.exec(line);
    if (!sample) throw new Error(`${where}: neither a comment nor a sample`);
    const [, name = "", labelText, valueText = ""] = sample;
    if (!types.has(familyOf(name, types))) throw new Error(`${where}: sample before its TYPE`);
    if (!VALUE.test(valueText)) throw new Error(`${where}: bad value`);
    samples.push({
      name,
      labels: parseLabels(labelText ?? "", where),
      value: Number(valueText.replace("Inf", "Infinity")),
    });
  }
  checkHistograms(samples, types);
  return samples;
}

function familyOf(name: string, types: Map<string, string>): string {
  const base = name.replace(/_(bucket|sum|count)$/, "");
  return base !== name && types.get(base) === "histogram" ? base : name;
}

function parseLabels(text: string, where: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = text;
  while (rest.length > 0) {
    const pair = LABEL.exec(rest);
    if (!pair || (pair[3] === "," && pair[0].length === rest.length)) throw new Error(`${where}: bad labels`);
    const [whole, key = "", raw = ""] = pair;
    if (key in labels) throw new Error(`${where}: repeated label ${key}`);
    labels[key] = raw.replace(/\\(["\\n])/g, (_, escaped: string) => (escaped === "n" ? "\n" : escaped));
    rest = rest.slice(whole.length);
  }
  return labels;
}

/** Per series: `le` ascending, counts cumulative, `+Inf` equal to `_count`, and a `_sum`. */
function checkHistograms(samples: readonly Sample[], types: Map<string, string>): void {
  for (const [family, type] of types) {
    if (type !== "histogram") continue;
    const series = new Map<string, { bounds: number[]; counts: number[]; count?: number; sum?: number }>();
    const entry = (labels: Record<string, string>) => {
      const { le: _le, ...rest } = labels;
      const key = JSON.stringify(rest);
      let found = series.get(key);
      if (!found) {
        found = { bounds: [], counts: [] };
        series.set(key, found);
      }
      return found;
    };
    for (const sample of samples) {
      if (sample.name === `${family}_bucket`) {
        const found = entry(sample.labels);
        found.bounds.push(Number((sample.labels.le ?? "").replace("Inf", "Infinity")));
        found.counts.push(sample.value);
      } else if (sample.name === `${family}_count`) entry(sample.labels).count = sample.value;
      else if (sample.name === `${family}_sum`) entry(sample.labels).sum = sample.value;
    }
    for (const [key, { bounds, counts, count, sum }] of series) {
      const where = `${family}${key}`;
      if (bounds.some((bound, i) => i > 0 && !(bound > (bounds[i - 1] as number))))
        throw new Error(`${where}: le out of order`);
      if (counts.some((value, i) => i > 0 && value < (counts[i - 1] as number)))
        throw new Error(`${where}: buckets not cumulative`);
      if (bounds.at(-1) !== Number.POSITIVE_INFINITY || counts.at(-1) !== count)
        throw new Error(`${where}: +Inf bucket missing or not equal to _count`);
      if (sum === undefined) throw new Error(`${where}: no _sum`);
    }
  }
}

/** The value of the one sample with exactly these labels; 0 when absent (a series not yet created). */
export function sampleValue(
  samples: readonly Sample[],
  name: string,
  labels: Record<string, string> = {},
): number {
  const wanted = JSON.stringify(Object.entries(labels).sort());
  const matches = samples.filter(
    (sample) => sample.name === name && JSON.stringify(Object.entries(sample.labels).sort()) === wanted,
  );
  if (matches.length > 1) throw new Error(`${name}${wanted} appears ${matches.length} times`);
  return matches[0]?.value ?? 0;
}
