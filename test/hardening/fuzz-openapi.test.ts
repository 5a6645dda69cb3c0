import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDoorContext, currentDoor } from "../support/door.ts";
import { fuzzApi } from "../support/fuzz/runner.ts";
import type { TestContext } from "../support/test-context.ts";

const GENEROUS = "1000000/60";
const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Date.now() % 2 ** 31;
// Fewer through workerd, whose requests cost several times Node's on the 2-core CI machine.
const requests = Number(process.env.FUZZ_REQUESTS ?? (currentDoor() === "node" ? 10_000 : 1_000));
const concurrency = Number(process.env.FUZZ_CONCURRENCY ?? 16);

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createDoorContext({
    env: {
      TRUST_PROXY: "true",
      LOG_LEVEL: "error",
      // A small body limit so that generated huge strings also exercise the 413 path.
      MAX_BODY_BYTES: "65536",
      RATE_LIMIT_READ: GENEROUS,
      RATE_LIMIT_WRITE: GENEROUS,
      RATE_LIMIT_ANONYMOUS: GENEROUS,
      RATE_LIMIT_LOGIN: GENEROUS,
      RATE_LIMIT_REGISTER: GENEROUS,
      RATE_LIMIT_REFRESH: GENEROUS,
      // Bad input is under test here, not slow dependencies: on a loaded CI machine a 300 ms
      // Redis budget would turn fail-closed auth routes into (correct, but off-topic) 503s.
      RATE_LIMIT_TIMEOUT_MS: "5000",
    },
  });
});
afterAll(() => ctx.close());

describe("fuzzing every route of the OpenAPI document", () => {
  it(`keeps the contract for ${requests} generated requests (seed ${seed})`, {
    timeout: 180_000,
  }, async () => {
    console.info(`fuzz: FUZZ_SEED=${seed} requests=${requests} concurrency=${concurrency}`);
    const started = performance.now();
    const summary = await fuzzApi(ctx, { seed, requests, concurrency });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.info(
      `fuzz: ${summary.requests} requests in ${seconds} s; statuses ${JSON.stringify(summary.byStatus)}`,
    );
    if (process.env.FUZZ_PROFILE) {
      const slowest = [...summary.timeByRoute].sort((a, b) => b[1] - a[1]).slice(0, 12);
      console.info(
        slowest
          .map(([route, ms]) => `${route}: ${Math.round(ms)} ms / ${summary.byRoute.get(route)}`)
          .join("\n"),
      );
    }
    expect(summary.requests).toBeGreaterThanOrEqual(requests);
    // Every documented operation was exercised.
    expect(summary.byRoute.size).toBe(summary.routes);
  });
});
