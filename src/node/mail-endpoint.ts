import { createResendMailer } from "../adapters/mail/resend.ts";
import { createSmtpMailer } from "../adapters/mail/smtp.ts";
import type { Config } from "../config/schema.ts";
import type { Mailer } from "../deps.ts";
import type { Logger } from "../lib/logger.ts";

export interface MailEndpoint {
  mailer: Mailer;
  close(): Promise<void>;
}

/** Where the dev catcher listens when these ports are free (maildev's own defaults). */
const DEV_SMTP_PORT = 1025;
const DEV_WEB_PORT = 1080;

/**
 * SMTP_URL when set, else the HTTP mail API when MAIL_API_KEY is set. With neither (development
 * and tests only; the config refuses it when deployed) a local catcher, maildev, starts in-process:
 * every message lands in its web page instead of anyone's inbox.
 */
export async function resolveMailEndpoint(config: Config, logger: Logger): Promise<MailEndpoint> {
  if (config.SMTP_URL) {
    const smtp = createSmtpMailer({ url: config.SMTP_URL, from: config.MAIL_FROM });
    return { mailer: smtp, close: async () => smtp.close() };
  }
  if (config.MAIL_API_KEY) {
    const mailer = createResendMailer({
      apiUrl: config.MAIL_API_URL,
      apiKey: config.MAIL_API_KEY,
      from: config.MAIL_FROM,
    });
    return { mailer, close: async () => {} };
  }
  const catcher = await startDevMailCatcher();
  const smtp = createSmtpMailer({ url: `smtp://127.0.0.1:${catcher.smtpPort}`, from: config.MAIL_FROM });
  logger.info("dev mail catcher started: open its web page to read the mail the app sends", {
    webUrl: catcher.webUrl,
    smtpPort: catcher.smtpPort,
  });
  return {
    mailer: smtp,
    async close() {
      smtp.close();
      await catcher.stop();
    },
  };
}

async function startDevMailCatcher() {
  // A development dependency, loaded only here: a deployed instance never reaches this line.
  const { MailDev } = await import("maildev");
  const start = async (smtp: number, web: number) => {
    const maildev = new MailDev({ smtp, web, ip: "127.0.0.1", webIp: "127.0.0.1", silent: true });
    const servers = await maildev.start();
    const webPort = servers.api?.getPort() ?? web;
    return {
      smtpPort: servers.smtp.getPort(),
      // maildev 3 serves its page at /index.html; its root answers 404.
      webUrl: `http://localhost:${webPort}/index.html`,
      stop: () => maildev.stop(),
    };
  };
  // Another checkout's dev server may hold the usual ports: then any free ones will do.
  return start(DEV_SMTP_PORT, DEV_WEB_PORT).catch(() => start(0, 0));
}
