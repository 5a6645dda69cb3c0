import { describe, expect, it } from "vitest";
import { heapFloor, judgeRssFlatness, median, type RssSample } from "../../bench/soak/rss-flatness.ts";

const MB = 2 ** 20;
const RULE = { warmupMs: 60_000, maxGrowth: 0.1 };

/** One sample every 5 s for 5 minutes, its size in MB from the function. */
function samples(mbAt: (second: number) => number): RssSample[] {
  return Array.from({ length: 60 }, (_, index) => ({ atMs: index * 5000, bytes: mbAt(index * 5) * MB }));
}

describe("judgeRssFlatness", () => {
  it("passes a process that grew during warm-up and then stayed flat", () => {
    const verdict = judgeRssFlatness(
      samples((second) => (second < 60 ? 80 + second : 140 + (second % 10))),
      RULE,
    );
    expect(verdict.pass).toBe(true);
    expect(verdict.samplesAfterWarmup).toBe(48);
    expect(verdict.baselineSamples).toBe(5);
    expect(verdict.baselineBytes).toBe(140 * MB);
    expect(verdict.maxBytes).toBe(145 * MB);
    expect(verdict.ratio).toBeCloseTo(145 / 140);
  });

  it("fails a steady leak after warm-up", () => {
    // +0.1 MB/s from 150 MB: 173.5 MB at the end, 1.15 × the baseline.
    const verdict = judgeRssFlatness(
      samples((second) => 150 + 0.1 * Math.max(0, second - 60)),
      RULE,
    );
    expect(verdict.pass).toBe(false);
    expect(verdict.ratio).toBeGreaterThan(1.1);
  });

  it("puts the limit at exactly 1.10 × the baseline", () => {
    const atLimit = judgeRssFlatness(
      samples((second) => (second >= 250 ? 110 : 100)),
      RULE,
    );
    const over = judgeRssFlatness(
      samples((second) => (second >= 250 ? 110.5 : 100)),
      RULE,
    );
    expect(atLimit.pass).toBe(true);
    expect(over.pass).toBe(false);
  });

  it("judges sustained levels: up to two spiked samples in a row are a collection, not growth", () => {
    const spikes = judgeRssFlatness(
      samples((second) => (second === 150 || second === 155 || second === 250 ? 160 : 120)),
      RULE,
    );
    expect(spikes.pass).toBe(true);
    expect(spikes.peakBytes).toBe(160 * MB);
    expect(spikes.maxBytes).toBe(120 * MB);
    // Three in five samples up is a level, however late it comes.
    const late = judgeRssFlatness(
      samples((second) => (second >= 285 ? 160 : 120)),
      RULE,
    );
    expect(late.pass).toBe(false);
  });

  it("is not moved by one spike or dip among the baseline samples", () => {
    const spike = judgeRssFlatness(
      samples((second) => (second === 65 ? 300 : 120)),
      RULE,
    );
    expect(spike.baselineBytes).toBe(120 * MB);
    expect(spike.pass).toBe(true);
    const dip = judgeRssFlatness(
      samples((second) => (second === 65 ? 20 : 120)),
      RULE,
    );
    expect(dip.baselineBytes).toBe(120 * MB);
    expect(dip.pass).toBe(true);
  });

  it("ignores everything before the warm-up ends", () => {
    const verdict = judgeRssFlatness(
      samples((second) => (second < 60 ? 400 : 100)),
      RULE,
    );
    expect(verdict.pass).toBe(true);
    expect(verdict.peakBytes).toBe(100 * MB);
  });

  it("fails, saying why, when too few samples follow the warm-up", () => {
    const few = [0, 10_000, 59_000, 61_000, 62_000, 63_000, 64_000].map((atMs) => ({
      atMs,
      bytes: 100 * MB,
    }));
    const verdict = judgeRssFlatness(few, RULE);
    expect(verdict.pass).toBe(false);
    expect(verdict.reason).toMatch(/only 4 samples after warm-up; need at least 5/);
  });

  it("uses 3 to 10 baseline samples: a tenth of what follows the warm-up", () => {
    const short = Array.from({ length: 24 }, (_, index) => ({ atMs: 6000 + index * 1000, bytes: 100 * MB }));
    expect(judgeRssFlatness(short, { warmupMs: 6000, maxGrowth: 0.1 }).baselineSamples).toBe(3);
    const long = Array.from({ length: 300 }, (_, index) => ({ atMs: index * 1000, bytes: 100 * MB }));
    expect(judgeRssFlatness(long, { warmupMs: 0, maxGrowth: 0.1 }).baselineSamples).toBe(10);
  });
});

describe("median", () => {
  it("takes the middle value, or the mean of the two middle ones", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow();
  });
});

describe("heapFloor", () => {
  it("takes the lowest heap of the first and the last third after warm-up", () => {
    // A sawtooth: collections bring the heap back to 50 MB, then later to 80 MB (a leak's shape).
    const heap = Array.from({ length: 30 }, (_, index) => ({
      atMs: index * 1000,
      bytes: ((index < 20 ? 50 : 80) + (index % 5) * 20) * MB,
    }));
    expect(heapFloor(heap, 0)).toEqual({ firstThirdBytes: 50 * MB, lastThirdBytes: 80 * MB });
    expect(heapFloor(heap.slice(0, 2), 0)).toBeUndefined();
  });
});
