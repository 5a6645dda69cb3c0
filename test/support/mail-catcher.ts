import { MailDev } from "maildev";
import { simpleParser } from "mailparser";
import { createSmtpMailer, type SmtpMailer } from "../../src/adapters/mail/smtp.ts";

export interface CaughtMail {
  to: string;
  subject: string;
  text: string;
  /** The HTML part exactly as sent (decoded from its transfer encoding, never sanitized). */
  html: string;
}

/**
 * A real SMTP server (maildev, the dev catcher) on a loopback port, and an SMTP mailer pointed at
 * it. `stop()` and `start()` take the server away and bring it back on the same port, to prove
 * mail queued meanwhile still arrives.
 */
export interface MailCatcher {
  mailer: SmtpMailer;
  smtpUrl: string;
  /** Every message received so far, oldest first. */
  messages(): Promise<CaughtMail[]>;
  /** Waits until a message to this address (and matching `subject`, if given) arrived. */
  waitFor(to: string, options?: { subject?: RegExp; timeoutMs?: number }): Promise<CaughtMail>;
  /** Messages to this address. */
  to(address: string): Promise<CaughtMail[]>;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startMailCatcher(): Promise<MailCatcher> {
  let server = await listen(0);
  const port = server.smtpPort;
  const mailer = createSmtpMailer({
    url: `smtp://127.0.0.1:${port}`,
    from: "TixGenius <no-reply@test.example>",
  });
  // What arrived on an earlier run of the server (before a stop), kept across restarts.
  let earlier: CaughtMail[] = [];
  const messages = async () => [...earlier, ...(server.running ? await server.read() : [])];
  return {
    mailer,
    smtpUrl: `smtp://127.0.0.1:${port}`,
    messages,
    async to(address) {
      return (await messages()).filter((mail) => mail.to.toLowerCase() === address.toLowerCase());
    },
    async waitFor(to, options = {}) {
      const deadline = Date.now() + (options.timeoutMs ?? 10_000);
      for (;;) {
        const found = (await messages()).find(
          (mail) =>
            mail.to.toLowerCase() === to.toLowerCase() &&
            (!options.subject || options.subject.test(mail.subject)),
        );
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no mail to ${to} within the deadline`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async stop() {
      earlier = await messages();
      await server.stop();
    },
    async start() {
      server = await listen(port);
    },
    async close() {
      mailer.close();
      if (server.running) await server.stop();
    },
  };
}

async function listen(smtpPort: number) {
  const maildev = new MailDev({ smtp: smtpPort, ip: "127.0.0.1", disableWeb: true, silent: true });
  const servers = await maildev.start();
  const state = {
    running: true,
    smtpPort: servers.smtp.getPort() as number,
    async read(): Promise<CaughtMail[]> {
      const emails = await servers.smtp.getAllEmails();
      const sorted = [...emails].sort((a, b) => new Date(a.time).getTime() - new Date(b.time).getTime());
      return Promise.all(
        sorted.map(async (email) => {
          const parsed = await simpleParser(await servers.smtp.getRawEmail(email.id));
          return {
            to: email.to[0]?.address ?? "",
            subject: parsed.subject ?? "",
            text: parsed.text ?? "",
            html: typeof parsed.html === "string" ? parsed.html : "",
          };
        }),
      );
    },
    async stop() {
      state.running = false;
      await maildev.stop();
    },
  };
  return state;
}

/** The token of the first link in a mail's text (`?token=…`). */
export function tokenIn(mail: CaughtMail): string {
  const match = /[?&]token=([A-Za-z0-9_-]+)/.exec(mail.text);
  if (!match?.[1]) throw new Error(`no token in mail "${mail.subject}"`);
  return match[1];
}
