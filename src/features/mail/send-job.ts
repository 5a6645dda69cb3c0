import { MailRefusedError } from "../../adapters/mail/errors.ts";
import { defineJob, type JobDeps } from "../jobs/handlers.ts";
import { MAIL_SEND } from "./job-kind.ts";
import type { MailJobPayload } from "./outbox.ts";
import { openMailData } from "./sealed-data.ts";
import {
  isMailTemplateName,
  type MailTemplateData,
  type MailTemplateName,
  renderMail,
} from "./templates/index.ts";

/**
 * Retries span about a day: a mail server down for maintenance or a provider's outage delays mail
 * but loses none. A reset link inside may have expired by then; the person can ask again.
 */
export const MAIL_RETRY_DELAYS_SECONDS = [10, 30, 120, 600, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600];

export const mailSendJob = defineJob<MailJobPayload>({
  kind: MAIL_SEND,
  retryDelaysSeconds: MAIL_RETRY_DELAYS_SECONDS,
  timeoutMs: 30_000,
  async run(deps: JobDeps, job) {
    const { to, template, sealed } = job.payload;
    if (!isMailTemplateName(template))
      return { outcome: "failed", error: `unknown mail template ${template}` };
    let data: unknown;
    try {
      data = await openMailData(deps.config, sealed);
    } catch {
      return { outcome: "failed", error: "mail data cannot be opened (JWT_SECRET changed?)" };
    }
    const rendered = renderMail(template, data as MailTemplateData<MailTemplateName>);
    try {
      await deps.mailer.send({ to, ...rendered, idempotencyKey: job.id });
      return { outcome: "done" };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof MailRefusedError) return { outcome: "failed", error: message };
      return { outcome: "retry", error: message };
    }
  },
});
