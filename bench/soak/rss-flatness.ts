export interface RssSample {
  /** Milliseconds since traffic started. */
  atMs: number;
  bytes: number;
}

export interface RssRule {
  /** Samples before this are warm-up (JIT, caches, pools filling) and ignored. */
  warmupMs: number;
  /** Allowed growth over the baseline: 0.10 means the maximum may be 1.10 × the baseline. */
  maxGrowth: number;
}

export interface RssVerdict {
  pass: boolean;
  baselineBytes: number;
  /** The highest sustained level after warm-up (see judgeRssFlatness): what is judged. */
  maxBytes: number;
  /** The highest single sample after warm-up, reported beside it. */
  peakBytes: number;
  /** maxBytes / baselineBytes. */
  ratio: number;
  samplesAfterWarmup: number;
  baselineSamples: number;
  reason?: string;
}

const MIN_BASELINE_SAMPLES = 3;
const MAX_BASELINE_SAMPLES = 10;
/** Samples per sustained level: a median of 5 ignores up to 2 spiked samples in a row. */
export const SUSTAINED_WINDOW = 5;

/**
 * RSS is flat when its sustained level after warm-up never exceeds the baseline by more than
 * `maxGrowth`. The baseline is the median of the first tenth of the post-warm-up samples (3 to
 * 10): one early spike or dip cannot move it, yet it is taken early enough that a leak shows as
 * growth against it. The sustained level is the median of each run of 5 consecutive samples: V8
 * briefly commits extra pages while it compacts the old generation and hands them back seconds
 * later, and such a spike is not growth; a leak raises every sample after it, so it raises the
 * level as much as the samples.
 */
export function judgeRssFlatness(samples: readonly RssSample[], rule: RssRule): RssVerdict {
  const afterWarmup = samples
    .filter((sample) => sample.atMs >= rule.warmupMs)
    .sort((a, b) => a.atMs - b.atMs)
    .map((sample) => sample.bytes);
  const baselineCount = Math.min(
    MAX_BASELINE_SAMPLES,
    Math.max(MIN_BASELINE_SAMPLES, Math.round(afterWarmup.length / 10)),
  );
  const needed = Math.max(baselineCount + 1, SUSTAINED_WINDOW);
  if (afterWarmup.length < needed) {
    return {
      pass: false,
      baselineBytes: 0,
      maxBytes: 0,
      peakBytes: 0,
      ratio: 0,
      samplesAfterWarmup: afterWarmup.length,
      baselineSamples: 0,
      reason: `only ${afterWarmup.length} samples after warm-up; need at least ${needed}`,
    };
  }
  const baselineBytes = median(afterWarmup.slice(0, baselineCount));
  const levels = afterWarmup
    .slice(0, afterWarmup.length - SUSTAINED_WINDOW + 1)
    .map((_, start) => median(afterWarmup.slice(start, start + SUSTAINED_WINDOW)));
  const maxBytes = Math.max(...levels);
  const ratio = maxBytes / baselineBytes;
  return {
    pass: ratio <= 1 + rule.maxGrowth,
    baselineBytes,
    maxBytes,
    peakBytes: Math.max(...afterWarmup),
    ratio,
    samplesAfterWarmup: afterWarmup.length,
    baselineSamples: baselineCount,
  };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error("the median of nothing");
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export interface HeapFloor {
  firstThirdBytes: number;
  lastThirdBytes: number;
}

/**
 * The lowest V8 heap in use in the first and in the last third after warm-up: the heap right
 * after its collections. A JavaScript leak raises this floor; V8 growing its heap (and RSS with it)
 * towards a higher high-water mark does not. Read it when the RSS check fails.
 */
export function heapFloor(samples: readonly RssSample[], warmupMs: number): HeapFloor | undefined {
  const afterWarmup = samples.filter((sample) => sample.atMs >= warmupMs).sort((a, b) => a.atMs - b.atMs);
  const third = Math.floor(afterWarmup.length / 3);
  if (third === 0) return undefined;
  const lowest = (part: readonly RssSample[]) => Math.min(...part.map((sample) => sample.bytes));
  return {
    firstThirdBytes: lowest(afterWarmup.slice(0, third)),
    lastThirdBytes: lowest(afterWarmup.slice(-third)),
  };
}
