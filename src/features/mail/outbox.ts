import type { Database } from "../../db/database.ts";
import type { Deps } from "../../deps.ts";
import { enqueueJobs, kickJobs } from "../jobs/enqueue.ts";
import { MAIL_SEND } from "./job-kind.ts";
import { sealMailData } from "./sealed-data.ts";
import type { MailTemplateData, MailTemplateName } from "./templates/index.ts";

type Tx = Pick<Database, "insert">;

/** One message to send: a template by name, its data, and the address. */
export type OutgoingMail = {
  [Name in MailTemplateName]: { to: string; template: Name; data: MailTemplateData<Name> };
}[MailTemplateName];

export interface MailJobPayload {
  to: string;
  template: MailTemplateName;
  /** The template's data, sealed (src/features/mail/sealed-data.ts). */
  sealed: string;
}

/**
 * Queues mail inside the caller's transaction (the `mail.send` job): it is sent after the commit,
 * retried with backoff while the mail server is away, and never sent if the change rolls back.
 * Any feature may call it; call `sendQueuedMail(deps)` after the commit.
 */
export async function enqueueMail(
  deps: Pick<Deps, "config">,
  tx: Tx,
  mails: readonly OutgoingMail[],
): Promise<void> {
  const jobs = await Promise.all(
    mails.map(async (mail) => {
      const payload: MailJobPayload = {
        to: mail.to,
        template: mail.template,
        sealed: await sealMailData(deps.config, mail.data),
      };
      return { kind: MAIL_SEND, payload: { ...payload } };
    }),
  );
  await enqueueJobs(tx, jobs);
}

/** After the commit, off the response path: the job runner picks the mail up at once. */
export function sendQueuedMail(deps: Pick<Deps, "jobs">): void {
  kickJobs(deps);
}
