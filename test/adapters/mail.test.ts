import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MailRefusedError } from "../../src/adapters/mail/errors.ts";
import { createResendMailer } from "../../src/adapters/mail/resend.ts";
import { createSmtpMailer } from "../../src/adapters/mail/smtp.ts";
import { type MailCatcher, startMailCatcher } from "../support/mail-catcher.ts";

const MESSAGE = { to: "ada@example.test", subject: "Hello", text: "plain", html: "<p>html</p>" };

describe("Resend adapter (the Workers mail transport)", () => {
  let answer = 200;
  const received: { headers: IncomingHttpHeaders; body: unknown }[] = [];
  let url = "";
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      received.push({ headers: request.headers, body: JSON.parse(Buffer.concat(chunks).toString()) });
      response.writeHead(answer, { "Content-Type": "application/json" });
      response.end("{}");
    });
  });
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/emails`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const mailer = () => createResendMailer({ apiUrl: url, apiKey: "re_key", from: "App <a@example.test>" });

  it("posts Resend's JSON with the key and the idempotency key", async () => {
    answer = 200;
    await mailer().send({ ...MESSAGE, idempotencyKey: "job-1" });
    expect(received.at(-1)).toMatchObject({
      headers: { authorization: "Bearer re_key", "idempotency-key": "job-1" },
      body: {
        from: "App <a@example.test>",
        to: ["ada@example.test"],
        subject: "Hello",
        text: "plain",
        html: "<p>html</p>",
      },
    });
  });

  it("marks a 4xx refusal as permanent, and 429 or 5xx as worth a retry", async () => {
    answer = 422;
    await expect(mailer().send(MESSAGE)).rejects.toBeInstanceOf(MailRefusedError);
    for (const status of [429, 500, 503]) {
      answer = status;
      const failure = await mailer()
        .send(MESSAGE)
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(Error);
      expect(failure).not.toBeInstanceOf(MailRefusedError);
    }
  });
});

describe("SMTP adapter (the Node mail transport)", () => {
  let catcher: MailCatcher;
  beforeAll(async () => {
    catcher = await startMailCatcher();
  });
  afterAll(() => catcher.close());

  it("delivers both parts from MAIL_FROM, and fails (to be retried) while the server is away", async () => {
    const smtp = createSmtpMailer({ url: catcher.smtpUrl, from: "TixGenius <no-reply@test.example>" });
    try {
      await smtp.send(MESSAGE);
      const mail = await catcher.waitFor("ada@example.test");
      expect(mail).toMatchObject({ subject: "Hello", text: "plain", html: "<p>html</p>" });
      await catcher.stop();
      const failure = await smtp.send(MESSAGE).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(Error);
      expect(failure).not.toBeInstanceOf(MailRefusedError);
    } finally {
      await catcher.start();
      smtp.close();
    }
  });
});
