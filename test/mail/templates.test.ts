import { describe, expect, it } from "vitest";
import {
  MAIL_TEMPLATES,
  type MailTemplateName,
  renderMail,
} from "../../src/features/mail/templates/index.ts";

const HOSTILE = `<script>alert("x")</script> & <img src=x onerror=alert(1)>`;
const LINK = `https://app.example/reset-password?token=abc&next="><script>`;

/** Every template's data, with user content (names, addresses, team names) hostile everywhere. */
const SAMPLES: { [Name in MailTemplateName]: Parameters<(typeof MAIL_TEMPLATES)[Name]>[0] } = {
  invitation: {
    inviterName: HOSTILE,
    role: "developer",
    teamNames: [HOSTILE, "Ops"],
    link: LINK,
    expiresAt: "2030-01-01T00:00:00.000Z",
  },
  password_reset: { name: HOSTILE, link: LINK, validMinutes: 30 },
  password_changed: { name: HOSTILE, changedAt: "2030-01-01T00:00:00.000Z" },
  email_verification: { name: HOSTILE, link: LINK },
  email_change_confirm: { name: HOSTILE, newEmail: `"<b>"@example.test`, link: LINK },
  email_change_notice: { name: HOSTILE, newEmail: `"<b>"@example.test`, cancelLink: LINK },
  email_changed: { name: HOSTILE, newEmail: `"<b>"@example.test` },
  notification: {
    name: HOSTILE,
    kind: "commented",
    internal: false,
    ticketKey: "TIX-7",
    ticketTitle: HOSTILE,
    actorName: HOSTILE,
    change: {},
    link: LINK,
  },
};

describe("mail templates", () => {
  it.each(Object.keys(MAIL_TEMPLATES) as MailTemplateName[])(
    "%s: a subject, a plain-text and an HTML part, user content escaped in HTML",
    (name) => {
      const mail = renderMail(name, SAMPLES[name] as never);
      expect(mail.subject.length).toBeGreaterThan(0);
      expect(mail.subject).not.toMatch(/\n/);
      expect(mail.text.length).toBeGreaterThan(20);
      expect(mail.html).toMatch(/^<!doctype html>/);
      expect(mail.html).not.toContain("<script>");
      expect(mail.html).not.toContain("<img");
      expect(mail.html).not.toContain("<b>");
      expect(mail.html).toMatch(/&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt;|&quot;&lt;b&gt;&quot;/);
      // The plain-text part is not HTML: it carries the content as it is.
      expect(mail.text).toMatch(/<script>alert\("x"\)<\/script>|"<b>"@example.test/);
    },
  );

  it("puts links in both parts, attribute-escaped in HTML", () => {
    const mail = renderMail("password_reset", SAMPLES.password_reset);
    expect(mail.text).toContain(LINK);
    expect(mail.html).toContain(
      `href="https://app.example/reset-password?token=abc&amp;next=&quot;&gt;&lt;script&gt;"`,
    );
  });
});
