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

/**
 * A generic plan is also kept from the queue's first claims, when the table was nearly empty, and
 * nothing replaces it until the table is analyzed again (never, where autovacuum is off): at 49k
 * pending webhook deliveries each claim took 1–5 s and the drain stalled (docs/BENCHMARKS.md). The
 * claim is planned on every run, so its plan follows the table.
 */
it("plans the claim on every run: one made while the queue was empty stays fast once it holds 30k jobs", async () => {
  const single = await createTestContext({ maxConnections: 1 });
  try {
    // As a bench's cleanup leaves it: vacuumed and analyzed with a handful of rows.
    await single.deps.db.execute(sql`insert into jobs (kind, payload) values ('webhook.deliver', '{}')`);
    await single.deps.db.execute(sql`vacuum analyze jobs`);
    for (let run = 0; run < 8; run++) await claimDueJobs(single.deps.db, jobRegistry, { limit: 5 });
    await single.deps.db.execute(sql`
      insert into jobs (kind, payload, group_key, run_at)
      select 'webhook.deliver', jsonb_build_object('deliveryId', gen_random_uuid()),
             'webhook:' || (g % 5), now() - interval '1 minute' + g * interval '1 millisecond'
      from generate_series(1, 30000) g`);
    const started = performance.now();
    const claimed = await claimDueJobs(single.deps.db, jobRegistry, { limit: 5 });
    const elapsedMs = performance.now() - started;
    expect(claimed).toHaveLength(5);
    const prepared = await single.deps.db.execute<{ statement: string }>(
      sql`select statement from pg_prepared_statements`,
    );
    const statements = (prepared as unknown as { statement: string }[]).map((row) => row.statement);
    expect(statements.some((statement) => /for update skip locked/i.test(statement))).toBe(false);
    expect(elapsedMs).toBeLessThan(250);
  } finally {
    await single.close();
  }
});
