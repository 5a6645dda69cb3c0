import type { Mailer } from "../../deps.ts";
import type { Logger } from "../../lib/logger.ts";

/**
 * Development inside workerd (`npm run dev:worker`) with no MAIL_API_KEY: nothing can deliver, so
 * each message is logged by recipient and subject (never its body, which holds tokens) and counts
 * as sent. The config refuses this in staging and production.
 */
export function createUnconfiguredMailer(logger: Logger): Mailer {
  return {
    async send(message) {
      logger.warn("mail not delivered: no MAIL_API_KEY in development", {
        to: message.to,
        subject: message.subject,
      });
    },
  };
}
