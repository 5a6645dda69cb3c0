import { sql } from "drizzle-orm";
import { index, integer, jsonb, pgEnum, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

export const jobState = pgEnum("job_state", ["pending", "running", "done", "failed"]);

/**
 * The durable job queue (src/features/jobs, docs/JOBS.md). A row is written in the transaction of
 * the change that needs the work, so a rolled-back change leaves no job and a committed one cannot
 * lose it. Runners claim due rows with FOR UPDATE SKIP LOCKED and hold them under a lease: a
 * runner that dies leaves a `running` row whose lease expires, and the row is claimed again.
 * Times are PostgreSQL's (`now()`), never an instance's clock, so instances agree on what is due.
 */
export const jobs = pgTable(
  "jobs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    kind: text("kind").notNull(),
    payload: jsonb("payload").$type<Record<string, unknown>>().notNull(),
    /** Concurrency group (`webhook:<endpoint id>`): at most the kind's groupConcurrency run at once. */
    group: text("group_key"),
    state: jobState("state").notNull().default("pending"),
    runAt: timestamp("run_at", { withTimezone: true }).notNull().defaultNow(),
    /** Runs started so far (a claim counts, even when its runner died). */
    attempts: integer("attempts").notNull().default(0),
    leaseExpiresAt: timestamp("lease_expires_at", { withTimezone: true }),
    /** Workers: when the job's id was last handed to the Cloudflare Queue (null: owed a send). */
    sentAt: timestamp("sent_at", { withTimezone: true }),
    lastError: text("last_error"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    /** When the job became done or failed; retention counts from here. */
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (table) => [
    // The claim: due pending jobs, oldest first.
    index("jobs_due_idx").on(table.runAt).where(sql`${table.state} = 'pending'`),
    // The group cap counts running jobs per group.
    index("jobs_running_group_idx").on(table.group).where(sql`${table.state} = 'running'`),
    // Recovery of runners that died: running jobs whose lease ran out.
    index("jobs_lease_idx").on(table.leaseExpiresAt).where(sql`${table.state} = 'running'`),
    // Retention: finished jobs by age.
    index("jobs_finished_idx")
      .on(table.state, table.finishedAt)
      .where(sql`${table.state} in ('done', 'failed')`),
  ],
);

export type JobRow = typeof jobs.$inferSelect;
export type JobState = (typeof jobState.enumValues)[number];
