import { emailVerification, invitation, passwordChanged, passwordReset } from "./account.ts";
import { emailChangeConfirm, emailChanged, emailChangeNotice } from "./email-change.ts";
import { notification } from "./notification.ts";
import type { RenderedMail } from "./types.ts";

/**
 * Every message the app sends, by name: a job carries the name and the data, and the message is
 * rendered when it is sent. Another feature adds its template here and enqueues it by name.
 */
export const MAIL_TEMPLATES = {
  invitation,
  password_reset: passwordReset,
  password_changed: passwordChanged,
  email_verification: emailVerification,
  email_change_confirm: emailChangeConfirm,
  email_change_notice: emailChangeNotice,
  email_changed: emailChanged,
  notification,
} as const;

export type MailTemplateName = keyof typeof MAIL_TEMPLATES;
export type MailTemplateData<Name extends MailTemplateName> = Parameters<(typeof MAIL_TEMPLATES)[Name]>[0];

export function isMailTemplateName(name: string): name is MailTemplateName {
  return Object.hasOwn(MAIL_TEMPLATES, name);
}

export function renderMail<Name extends MailTemplateName>(
  name: Name,
  data: MailTemplateData<Name>,
): RenderedMail {
  const template = MAIL_TEMPLATES[name] as (data: MailTemplateData<Name>) => RenderedMail;
  return template(data);
}

export type { RenderedMail } from "./types.ts";
