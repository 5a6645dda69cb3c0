import { createJobRegistry } from "../../src/features/jobs/handlers.ts";
import { mailSendJob } from "../../src/features/mail/send-job.ts";
import { type JobLoop, startJobLoop } from "../../src/node/job-loop.ts";
import { type MailCatcher, startMailCatcher } from "./mail-catcher.ts";
import { createTestContext, type TestContext, type TestContextOptions } from "./test-context.ts";

export interface MailFlowContext {
  ctx: TestContext;
  mail: MailCatcher;
  /** The clock the app reads, moved forward by `advance` (token and invitation expiry). */
  advance(milliseconds: number): void;
  close(): Promise<void>;
}

/**
 * The real app with a real SMTP server behind its Mailer and the Node job loop running the
 * `mail.send` job, as `npm start` runs it: mail is queued in the change's transaction and sent
 * after the commit. Retries wait a tenth of their schedule at most (the loop's jitter source is
 * pinned low), so a test of an outage need not wait minutes.
 */
export async function startMailFlow(options: TestContextOptions = {}): Promise<MailFlowContext> {
  const mail = await startMailCatcher();
  let offsetMs = 0;
  const ctx = await createTestContext({
    ...options,
    env: { TRUST_PROXY: "true", ...options.env },
    mailer: mail.mailer,
    clock: { now: () => new Date(Date.now() + offsetMs) },
  });
  const loop: JobLoop = startJobLoop(ctx.deps, {
    registry: createJobRegistry([mailSendJob]),
    kicker: ctx.jobKicker,
    pollIntervalMs: 100,
    concurrency: 4,
    random: () => 0.01,
  });
  return {
    ctx,
    mail,
    advance(milliseconds) {
      offsetMs += milliseconds;
    },
    async close() {
      await loop.stop();
      await ctx.close();
      await mail.close();
    },
  };
}
