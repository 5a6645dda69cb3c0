import { Ratelimit } from "@upstash/ratelimit";
import type { Redis } from "@upstash/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningGateway } from "../../src/gateway/server.ts";
import { BACKENDS, deleteKeysUnder, startTestGateway, uniquePrefix, upstashClient } from "./support.ts";

type Limiter = ConstructorParameters<typeof Ratelimit>[0]["limiter"];

describe.each(BACKENDS)("@upstash/ratelimit through the gateway ($label backend)", (target) => {
  describe.skipIf(target.unavailable)("algorithms", () => {
    let gateway: RunningGateway;
    let redis: Redis;
    const prefixes: string[] = [];

    beforeAll(async () => {
      gateway = await startTestGateway(target.backend);
      redis = upstashClient(gateway);
    });
    afterAll(async () => {
      for (const prefix of prefixes) await deleteKeysUnder(gateway, prefix);
      await gateway.close();
    });

    // Without the ephemeral cache every call reaches Redis, which is what is under test.
    const limiterWith = (limiter: Limiter) => {
      const prefix = uniquePrefix(target.label);
      prefixes.push(prefix);
      return new Ratelimit({ redis, limiter, prefix, ephemeralCache: false });
    };

    async function successes(ratelimit: Ratelimit, identifier: string, attempts: number): Promise<boolean[]> {
      const results: boolean[] = [];
      for (let attempt = 0; attempt < attempts; attempt++)
        results.push((await ratelimit.limit(identifier)).success);
      return results;
    }

    it.each([
      // Hour-long windows, so a run never straddles a window boundary.
      ["slidingWindow", Ratelimit.slidingWindow(3, "1 h")],
      ["fixedWindow", Ratelimit.fixedWindow(3, "1 h")],
      ["tokenBucket", Ratelimit.tokenBucket(1, "1 h", 3)],
    ] as const)("%s allows the limit, then refuses, per identifier", async (_name, limiter) => {
      const ratelimit = limiterWith(limiter);
      expect(await successes(ratelimit, "user-a", 5)).toEqual([true, true, true, false, false]);
      expect((await ratelimit.limit("user-b")).remaining).toBe(2);
      expect((await ratelimit.getRemaining("user-a")).remaining).toBe(0);
      await ratelimit.resetUsedTokens("user-a");
      expect((await ratelimit.limit("user-a")).success).toBe(true);
    });

    it("reports remaining tokens and a reset time in the future", async () => {
      const ratelimit = limiterWith(Ratelimit.slidingWindow(5, "1 h"));
      const first = await ratelimit.limit("user");
      const second = await ratelimit.limit("user", { rate: 2 });
      expect([first.remaining, second.remaining]).toEqual([4, 2]);
      expect(second.limit).toBe(5);
      expect(second.reset).toBeGreaterThan(Date.now());
    });

    it("refills a token bucket after its interval", async () => {
      const ratelimit = limiterWith(Ratelimit.tokenBucket(1, "500 ms", 1));
      expect(await successes(ratelimit, "user", 2)).toEqual([true, false]);
      await new Promise((resolve) => setTimeout(resolve, 550));
      expect((await ratelimit.limit("user")).success).toBe(true);
    });
  });
});
