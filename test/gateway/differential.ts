import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Backend } from "../../src/gateway/backend.ts";
import { silentLogger } from "../../src/gateway/backend.ts";
import { createMemoryBackend } from "../../src/gateway/memory-backend.ts";
import { outcomeToJson } from "../../src/gateway/protocol.ts";
import { createRedisBackend } from "../../src/gateway/redis-backend.ts";
import { DELETE_KEYS_UNDER_PREFIX, realRedisUnavailable, redisUrl, uniquePrefix } from "./support.ts";

/** `$` in an argument stands for the case's own key prefix: `$a` is key a. */
export type Script = (string | number)[][];

export interface DifferentialCase {
  name: string;
  commands: Script;
  /** Indexes of replies whose element order Redis does not define (SMEMBERS, KEYS). */
  unordered?: number[];
}

function expandKeys(commands: Script, prefix: string): string[][] {
  return commands.map((command) => command.map((arg) => String(arg).replaceAll("$", prefix)));
}

function normalize(outcomes: unknown[], unordered: number[] = []): unknown[] {
  return outcomes.map((outcome, index) => {
    if (!unordered.includes(index)) return outcome;
    const result = (outcome as { result?: unknown }).result;
    return Array.isArray(result) ? { result: [...result].sort() } : outcome;
  });
}

async function run(backend: Backend, testCase: DifferentialCase, prefix: string): Promise<unknown[]> {
  const outcomes = await backend.pipeline(expandKeys(testCase.commands, prefix));
  // The prefix differs between the two runs, so it is masked before comparing.
  const json = JSON.stringify(outcomes.map((outcome) => outcomeToJson(outcome, false)));
  return normalize(JSON.parse(json.replaceAll(prefix, "<k>")) as unknown[], testCase.unordered);
}

/**
 * Runs each case on the memory backend and on real Redis and expects byte-identical replies,
 * errors included: the memory backend is only useful if it behaves exactly like Redis.
 */
export function describeDifferential(title: string, cases: DifferentialCase[]): void {
  describe.skipIf(realRedisUnavailable)(title, () => {
    let memory: Backend;
    let redis: Backend;
    beforeAll(async () => {
      memory = createMemoryBackend();
      redis = await createRedisBackend(redisUrl, silentLogger);
    });
    afterAll(async () => {
      await memory.close();
      await redis.close();
    });

    it.each(cases)("$name", async (testCase) => {
      const redisPrefix = uniquePrefix("diff");
      const fromRedis = await run(redis, testCase, redisPrefix);
      await redis.execute(["EVAL", DELETE_KEYS_UNDER_PREFIX, "0", redisPrefix]);
      const fromMemory = await run(memory, testCase, uniquePrefix("diff"));
      expect(fromMemory).toEqual(fromRedis);
    });
  });
}
