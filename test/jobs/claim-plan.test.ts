import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { claimDueJobs } from "../../src/features/jobs/claim.ts";
import { enqueueJobs } from "../../src/features/jobs/enqueue.ts";
import { jobRegistry } from "../../src/features/jobs/registry.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

const literal = (value: unknown) =>
  typeof value === "number" ? String(value) : `'${String(value).replaceAll("'", "''")}'`;

/**
 * Claims are prepared statements, and after five runs PostgreSQL may keep one generic plan for
 * them, planned without the parameters' values. The claim must still find its due jobs through the
 * partial due index (state = 'pending'): a state passed as a parameter made that plan scan the
 * whole table on every claim, over a second each after a webhook burst.
 */
it("claims through the due index even in a plan made without the parameters' values", async () => {
  await ctx.deps.db.transaction((tx) =>
    enqueueJobs(
      tx,
      Array.from({ length: 20 }, (_, i) => ({ kind: "mail.send", payload: { plan: i } })),
    ),
  );
  const from = ctx.statements.length;
  await claimDueJobs(ctx.deps.db, jobRegistry, { limit: 1 });
  const candidate = ctx.statements
    .slice(from)
    .find((statement) => /^select .* from "jobs" where .*for update skip locked$/is.test(statement.query));
  expect(candidate, "the claim's candidate query").toBeDefined();
  if (!candidate) return;

  const plan = await ctx.deps.db.transaction(async (tx) => {
    await tx.execute(sql`set local plan_cache_mode = force_generic_plan`);
    await tx.execute(sql`set local enable_bitmapscan = off`);
    await tx.execute(sql.raw(`prepare claim_plan_probe as ${candidate.query}`));
    const rows = await tx.execute(
      sql.raw(`explain execute claim_plan_probe(${candidate.params.map(literal).join(", ")})`),
    );
    await tx.execute(sql.raw("deallocate claim_plan_probe"));
    return JSON.stringify(rows);
  });
  expect(plan).toContain("jobs_due_idx");
  expect(plan).not.toMatch(/Seq Scan on jobs\b/);
});
