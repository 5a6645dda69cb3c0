import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { fanOutBatch } from "../../src/features/webhooks/fanout.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

/**
 * The batch must reach the new events through the key's index from the watermark on. With the
 * watermark joined as a row, the plan walked the index from the first event ever and filtered:
 * at 137k events PostgreSQL costed it high enough to JIT-compile it, and each delivery waited a
 * second. Sequential scans are switched off here because a test database is small enough for
 * them to win anyway.
 */
it("reads the events after the watermark through an index condition, not a filter over all of them", async () => {
  const plan = await ctx.deps.db.transaction(async (tx) => {
    await tx.execute(sql`set local enable_seqscan = off`);
    return JSON.stringify(await tx.execute(sql`explain ${fanOutBatch}`));
  });
  expect(plan).toMatch(/Index Cond: \(id > \$\d+\)/);
  expect(plan).toMatch(/Index Cond: \(\(id > \$\d+\) AND \(id <= \$\d+\)\)/);
  expect(plan).not.toMatch(/Join Filter: \(e(_\d+)?\.id > mark/);
});
