import { createResendMailer } from "../adapters/mail/resend.ts";
import { createUnconfiguredMailer } from "../adapters/mail/unconfigured.ts";
import type { Mailer } from "../deps.ts";
import type { Logger } from "../lib/logger.ts";
import type { WorkerConfig } from "./config.ts";

/**
 * Workers send through Resend's HTTP API (SMTP needs raw sockets and a pooled transport, which a
 * request-bound isolate cannot keep). Without a key, development only logs (the config refuses
 * that when deployed). Stateless: built once per isolate, used by requests and queue consumers.
 */
export function createWorkerMailer(config: WorkerConfig, logger: Logger): Mailer {
  if (!config.MAIL_API_KEY) return createUnconfiguredMailer(logger);
  return createResendMailer({
    apiUrl: config.MAIL_API_URL,
    apiKey: config.MAIL_API_KEY,
    from: config.MAIL_FROM,
  });
}
