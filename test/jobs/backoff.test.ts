import { describe, expect, it } from "vitest";
import { retryDelaySeconds } from "../../src/features/jobs/backoff.ts";
import { createJobRegistry } from "../../src/features/jobs/handlers.ts";

describe("the retry schedule", () => {
  const schedule = [5, 300, 1800];

  it("draws each wait uniformly from [0, the scheduled delay] (full jitter)", () => {
    expect(retryDelaySeconds(schedule, 1, undefined, () => 0)).toBe(0);
    expect(retryDelaySeconds(schedule, 1, undefined, () => 0.999)).toBeCloseTo(4.995);
    expect(retryDelaySeconds(schedule, 2, undefined, () => 0.5)).toBe(150);
    expect(retryDelaySeconds(schedule, 3, undefined, () => 1)).toBe(1800);
  });

  it("ends after the last scheduled delay, whatever the handler asked", () => {
    expect(retryDelaySeconds(schedule, 4, undefined, () => 0.5)).toBeUndefined();
    expect(retryDelaySeconds(schedule, 4, 10)).toBeUndefined();
    expect(retryDelaySeconds([], 1, undefined)).toBeUndefined();
  });

  it("keeps a handler's retryAfterSeconds exactly, never negative", () => {
    expect(retryDelaySeconds(schedule, 1, 120, () => 0)).toBe(120);
    expect(retryDelaySeconds(schedule, 2, -3)).toBe(0);
  });
});

describe("the registry", () => {
  const run = async () => ({ outcome: "done" as const });

  it("refuses a kind defined twice, a negative delay and a cap below one", () => {
    expect(() =>
      createJobRegistry([
        { kind: "a.b", retryDelaysSeconds: [], run },
        { kind: "a.b", retryDelaysSeconds: [], run },
      ]),
    ).toThrow(/defined twice/);
    expect(() => createJobRegistry([{ kind: "a.b", retryDelaysSeconds: [-1], run }])).toThrow(/non-negative/);
    expect(() =>
      createJobRegistry([{ kind: "a.b", retryDelaysSeconds: [], groupConcurrency: 0, run }]),
    ).toThrow(/groupConcurrency/);
    expect(createJobRegistry([{ kind: "a.b", retryDelaysSeconds: [1], run }]).kinds).toEqual(["a.b"]);
  });
});
