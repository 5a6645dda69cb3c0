/**
 * A deployed API sends mail through an SMTP server of its own (the config refuses none). The bench
 * gives it one too, maildev in the bench's own process, so that the API process measured is the
 * one deployed: without SMTP_URL it would start the development catcher inside itself (~90 MB RSS).
 */
export async function startMailSink(): Promise<{ url: string; stop(): Promise<void> }> {
  const { MailDev } = await import("maildev");
  const maildev = new MailDev({ smtp: 0, web: 0, ip: "127.0.0.1", webIp: "127.0.0.1", silent: true });
  const servers = await maildev.start();
  return { url: `smtp://127.0.0.1:${servers.smtp.getPort()}`, stop: () => maildev.stop() };
}
