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
  maxBytes: number;
  /** maxBytes / baselineBytes. */
  ratio: number;
  samplesAfterWarmup: number;
  baselineSamples: number;
  reason?: string;
}

const MIN_BASELINE_SAMPLES = 3;
const MAX_BASELINE_SAMPLES = 10;

/**
 * RSS is flat when no sample after warm-up exceeds the baseline by more than `maxGrowth`. The
 * baseline is the median of the first tenth of the post-warm-up samples (3 to 10 of them): one
 * early spike or dip (a GC, a burst) cannot move it, yet it is taken early enough that a steady
 * leak shows as growth against it.
 */
export function judgeRssFlatness(samples: readonly RssSample[], rule: RssRule): RssVerdict {
  const afterWarmup = samples
    .filter((sample) => sample.atMs >= rule.warmupMs)
    .sort((a, b) => a.atMs - b.atMs);
  const baselineCount = Math.min(
    MAX_BASELINE_SAMPLES,
    Math.max(MIN_BASELINE_SAMPLES, Math.round(afterWarmup.length / 10)),
  );
  if (afterWarmup.length <= baselineCount) {
    return {
      pass: false,
      baselineBytes: 0,
      maxBytes: 0,
      ratio: 0,
      samplesAfterWarmup: afterWarmup.length,
      baselineSamples: 0,
      reason: `only ${afterWarmup.length} samples after warm-up; need more than ${baselineCount}`,
    };
  }
  const baselineBytes = median(afterWarmup.slice(0, baselineCount).map((sample) => sample.bytes));
  const maxBytes = Math.max(...afterWarmup.map((sample) => sample.bytes));
  const ratio = maxBytes / baselineBytes;
  return {
    pass: ratio <= 1 + rule.maxGrowth,
    baselineBytes,
    maxBytes,
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
