import type { Mailer } from "../../deps.ts";
import { MailRefusedError } from "./errors.ts";

/**
 * Resend's HTTP API (https://resend.com/docs/api-reference/emails/send-email) through fetch, so the
 * same adapter runs on Workers and Node. The Idempotency-Key lets a retry after a lost answer be
 * recognized by Resend instead of sending twice.
 */
export function createResendMailer(options: {
  apiUrl: string;
  apiKey: string;
  from: string;
  timeoutMs?: number;
}): Mailer {
  return {
    async send(message) {
      const response = await fetch(options.apiUrl, {
        method: "POST",
        headers: {
          Authorization: `Bearer ${options.apiKey}`,
          "Content-Type": "application/json",
          ...(message.idempotencyKey ? { "Idempotency-Key": message.idempotencyKey } : {}),
        },
        body: JSON.stringify({
          from: options.from,
          to: [message.to],
          subject: message.subject,
          text: message.text,
          html: message.html,
        }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
      });
      await response.body?.cancel();
      if (response.ok) return;
      // 429 and 5xx pass; any other 4xx (bad key, invalid address, unverified domain) will not.
      if (response.status >= 400 && response.status < 500 && response.status !== 429)
        throw new MailRefusedError(`mail API refused the message (${response.status})`);
      throw new Error(`mail API answered ${response.status}`);
    },
  };
}
