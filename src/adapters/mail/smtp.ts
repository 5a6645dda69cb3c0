import nodemailer from "nodemailer";
import type { Mailer } from "../../deps.ts";
import { MailRefusedError } from "./errors.ts";

export interface SmtpMailer extends Mailer {
  close(): void;
}

/**
 * SMTP through nodemailer (Node only), one pooled transport per process. Timeouts are short: a
 * send runs inside a job, and a stalled server must free it for the retry schedule.
 */
export function createSmtpMailer(options: { url: string; from: string }): SmtpMailer {
  const transport = nodemailer.createTransport({
    url: options.url,
    pool: true,
    maxConnections: 2,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  } as nodemailer.TransportOptions);
  return {
    async send(message) {
      try {
        const { idempotencyKey: _unused, ...content } = message;
        await transport.sendMail({ from: options.from, ...content });
      } catch (error) {
        // 5xx replies to the envelope or the data are permanent (RFC 5321 4.2.1); 4xx and
        // connection errors are worth retrying.
        const responseCode = (error as { responseCode?: number }).responseCode;
        if (responseCode !== undefined && responseCode >= 500 && responseCode < 600)
          throw new MailRefusedError(`SMTP server refused the message (${responseCode})`);
        throw error;
      }
    },
    close: () => transport.close(),
  };
}
