import { button, html, layout } from "./html.ts";
import type { RenderedMail } from "./types.ts";

export interface InvitationData {
  inviterName: string;
  role: string;
  teamNames: string[];
  link: string;
  expiresAt: string;
}

export function invitation(data: InvitationData): RenderedMail {
  const teams = data.teamNames.length > 0 ? ` in ${data.teamNames.join(", ")}` : "";
  const expires = new Date(data.expiresAt).toUTCString();
  return {
    subject: `${data.inviterName} invited you to TixGenius`,
    text: [
      `${data.inviterName} invited you to TixGenius as ${data.role}${teams}.`,
      "",
      `Choose your name and password here: ${data.link}`,
      "",
      `The invitation expires on ${expires}. If you did not expect it, ignore this message.`,
    ].join("\n"),
    html: layout(
      "You are invited to TixGenius",
      html`<p>${data.inviterName} invited you to TixGenius as <strong>${data.role}</strong>${
        data.teamNames.length > 0 ? html` in ${data.teamNames.join(", ")}` : ""
      }.</p>
${button("Accept the invitation", data.link)}
<p>The invitation expires on ${expires}. If you did not expect it, ignore this message.</p>`,
    ).value,
  };
}

export interface PasswordResetData {
  name: string;
  link: string;
  validMinutes: number;
}

export function passwordReset(data: PasswordResetData): RenderedMail {
  return {
    subject: "Reset your TixGenius password",
    text: [
      `Hello ${data.name},`,
      "",
      `Someone asked to reset the password of your TixGenius account. To choose a new one, open: ${data.link}`,
      "",
      `The link works once, for ${data.validMinutes} minutes. If you did not ask, ignore this message: your password stays as it is.`,
    ].join("\n"),
    html: layout(
      "Reset your password",
      html`<p>Hello ${data.name},</p>
<p>Someone asked to reset the password of your TixGenius account.</p>
${button("Choose a new password", data.link)}
<p>The link works once, for ${data.validMinutes} minutes. If you did not ask, ignore this message: your password stays as it is.</p>`,
    ).value,
  };
}

export interface PasswordChangedData {
  name: string;
  changedAt: string;
}

export function passwordChanged(data: PasswordChangedData): RenderedMail {
  const when = new Date(data.changedAt).toUTCString();
  return {
    subject: "Your TixGenius password was changed",
    text: [
      `Hello ${data.name},`,
      "",
      `The password of your TixGenius account was changed on ${when}, and every session was signed out.`,
      "",
      "If this was not you, reset your password at once and tell an administrator.",
    ].join("\n"),
    html: layout(
      "Your password was changed",
      html`<p>Hello ${data.name},</p>
<p>The password of your TixGenius account was changed on ${when}, and every session was signed out.</p>
<p>If this was not you, reset your password at once and tell an administrator.</p>`,
    ).value,
  };
}

export interface EmailVerificationData {
  name: string;
  link: string;
}

export function emailVerification(data: EmailVerificationData): RenderedMail {
  return {
    subject: "Confirm your email address for TixGenius",
    text: [
      `Hello ${data.name},`,
      "",
      `Confirm that this address belongs to your TixGenius account: ${data.link}`,
      "",
      "If you did not create an account, ignore this message.",
    ].join("\n"),
    html: layout(
      "Confirm your email address",
      html`<p>Hello ${data.name},</p>
<p>Confirm that this address belongs to your TixGenius account.</p>
${button("Confirm my address", data.link)}
<p>If you did not create an account, ignore this message.</p>`,
    ).value,
  };
}
