import { parseArgs } from "node:util";

export interface SoakOptions {
  durationMs: number;
  /** Traffic steps started per second. */
  rate: number;
  /** The share of the run, from its start, whose RSS samples are warm-up. */
  warmupShare: number;
  sampleEveryMs: number;
  /** Event streams end after this long (EVENT_STREAM_MAX_SECONDS), so resumes happen in every run. */
  streamMaxSeconds: number;
  /** The traffic's pseudo-random choices, for a run that can be repeated. */
  seed: number;
}

const UNITS_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** `300`, `45s`, `5m`, `1h`, `1m30s`: a bare number is seconds. */
export function parseDuration(text: string): number {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join("") !== text)
    throw new Error(`"${text}" is not a duration (examples: 30s, 5m, 1m30s, 300)`);
  return parts.reduce(
    (sum, [, value, unit]) => sum + Number(value) * UNITS_MS[unit as keyof typeof UNITS_MS],
    0,
  );
}

/** `npm run soak -- [--duration 5m] [--rate 100] [--warmup 50%] [--seed 1]`. */
export function parseSoakOptions(argv: readonly string[]): SoakOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      duration: { type: "string", default: "5m" },
      rate: { type: "string", default: "100" },
      warmup: { type: "string", default: "50%" },
      seed: { type: "string", default: "1" },
    },
  });
  const durationMs = parseDuration(values.duration);
  const rate = Number(values.rate);
  const warmupShare = Number(values.warmup.replace(/%$/, "")) / (values.warmup.endsWith("%") ? 100 : 1);
  if (durationMs < 10_000) throw new Error("--duration must be at least 10s");
  if (!(rate > 0 && rate <= 1000)) throw new Error("--rate must be between 0 and 1000 steps per second");
  if (!(warmupShare >= 0 && warmupShare < 0.9))
    throw new Error("--warmup must be a share below 90%, e.g. 50%");
  return {
    durationMs,
    rate,
    warmupShare,
    // About 60 samples per run, every 1 to 5 seconds.
    sampleEveryMs: Math.min(5000, Math.max(1000, Math.round(durationMs / 60))),
    streamMaxSeconds: Math.max(10, Math.round(durationMs / 3000)),
    seed: Number(values.seed),
  };
}
