import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MailRefusedError } from "../../src/adapters/mail/errors.ts";
import { jobs, users } from "../../src/db/schema.ts";
import { enqueueMail, sendQueuedMail } from "../../src/features/mail/outbox.ts";
import { sealMailData } from "../../src/features/mail/sealed-data.ts";
import { mailSendJob } from "../../src/features/mail/send-job.ts";
import { createUser, freshIp, jsonRequest, uniqueEmail } from "../support/factories.ts";
import { type MailFlowContext, startMailFlow } from "../support/mail-flow.ts";

let flow: MailFlowContext;
beforeAll(async () => {
  flow = await startMailFlow();
});
afterAll(() => flow.close());

const resetMail = (to: string, link = "http://localhost:5173/reset-password?token=secret-token-value") =>
  ({ to, template: "password_reset", data: { name: "Del Ivery", link, validMinutes: 30 } }) as const;

describe("mail leaves after the commit, through the job engine", () => {
  it("never sends the mail of a change that rolled back", async () => {
    const user = await createUser(flow.ctx);
    const committed = uniqueEmail("committed");
    const rolledBack = uniqueEmail("rolled-back");
    await expect(
      flow.ctx.deps.db.transaction(async (tx) => {
        await tx.update(users).set({ name: "Changed" }).where(eq(users.id, user.id));
        await enqueueMail(flow.ctx.deps, tx, [resetMail(rolledBack)]);
        throw new Error("the change failed");
      }),
    ).rejects.toThrow("the change failed");
    await flow.ctx.deps.db.transaction((tx) => enqueueMail(flow.ctx.deps, tx, [resetMail(committed)]));
    sendQueuedMail(flow.ctx.deps);
    await flow.mail.waitFor(committed);
    // The committed one went out after the rolled-back one would have: none to that address.
    expect(await flow.mail.to(rolledBack)).toEqual([]);
  });

  it("keeps mail queued while the SMTP server is down, and delivers it once it is back", async () => {
    const user = await createUser(flow.ctx, { name: "Otto Outage" });
    await flow.mail.stop();
    try {
      const asked = await flow.ctx.app.request(
        "/v1/auth/password-reset",
        jsonRequest("POST", { email: user.email }, { "X-Forwarded-For": freshIp() }),
      );
      expect(asked.status).toBe(202);
      // At least one attempt failed against the closed port and was scheduled again.
      await expect
        .poll(
          async () => {
            const [row] = await flow.ctx.deps.db
              .select({ attempts: jobs.attempts, lastError: jobs.lastError })
              .from(jobs)
              .where(sql`${jobs.kind} = 'mail.send' and ${jobs.payload}->>'to' = ${user.email}`);
            return row?.attempts ?? 0;
          },
          { timeout: 15_000 },
        )
        .toBeGreaterThanOrEqual(2);
    } finally {
      await flow.mail.start();
    }
    const arrived = await flow.mail.waitFor(user.email, { timeoutMs: 20_000 });
    expect(arrived.text).toContain("Otto Outage");
  });

  it("keeps the link out of the jobs table: the template data is sealed", async () => {
    const to = uniqueEmail("sealed");
    await flow.ctx.deps.db.transaction((tx) => enqueueMail(flow.ctx.deps, tx, [resetMail(to)]));
    const [row] = await flow.ctx.deps.db
      .select({ payload: jobs.payload })
      .from(jobs)
      .where(sql`${jobs.payload}->>'to' = ${to}`);
    expect(row?.payload).toMatchObject({ to, template: "password_reset" });
    expect(JSON.stringify(row?.payload)).not.toContain("secret-token-value");
    sendQueuedMail(flow.ctx.deps);
    expect((await flow.mail.waitFor(to)).text).toContain("secret-token-value");
  });

  it("fails a message the server refuses for good, and retries one it could not reach", async () => {
    const sealed = await sealMailData(flow.ctx.config, resetMail("x@example.test").data);
    const run = (error: Error) =>
      mailSendJob.run(
        {
          ...flow.ctx.deps,
          mailer: {
            send: async () => {
              throw error;
            },
          },
        },
        {
          id: crypto.randomUUID(),
          attempt: 1,
          signal: new AbortController().signal,
          payload: { to: "x@example.test", template: "password_reset", sealed } as never,
        },
      );
    expect(await run(new MailRefusedError("550 no such user"))).toMatchObject({ outcome: "failed" });
    expect(await run(new Error("connect ECONNREFUSED"))).toMatchObject({ outcome: "retry" });
  });
});
