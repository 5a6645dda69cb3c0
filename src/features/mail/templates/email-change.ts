import { button, html, layout } from "./html.ts";
import type { RenderedMail } from "./types.ts";

export interface EmailChangeConfirmData {
  name: string;
  newEmail: string;
  link: string;
}

/** To the new address: only its owner can complete the change. */
export function emailChangeConfirm(data: EmailChangeConfirmData): RenderedMail {
  return {
    subject: "Confirm your new email address for TixGenius",
    text: [
      `Hello ${data.name},`,
      "",
      `To make ${data.newEmail} the address of your TixGenius account, open: ${data.link}`,
      "",
      "If you did not ask for this, ignore this message: nothing changes.",
    ].join("\n"),
    html: layout(
      "Confirm your new email address",
      html`<p>Hello ${data.name},</p>
<p>To make <strong>${data.newEmail}</strong> the address of your TixGenius account, confirm it here.</p>
${button("Confirm the new address", data.link)}
<p>If you did not ask for this, ignore this message: nothing changes.</p>`,
    ).value,
  };
}

export interface EmailChangeNoticeData {
  name: string;
  newEmail: string;
  cancelLink: string;
}

/** To the old address, when the change is asked (ASVS 5.0 7.5.x): a way to stop it. */
export function emailChangeNotice(data: EmailChangeNoticeData): RenderedMail {
  return {
    subject: "Your TixGenius email address is about to change",
    text: [
      `Hello ${data.name},`,
      "",
      `Someone signed in to your TixGenius account asked to change its address to ${data.newEmail}.`,
      `If this was not you, cancel the change here: ${data.cancelLink}`,
      "and change your password.",
    ].join("\n"),
    html: layout(
      "Your email address is about to change",
      html`<p>Hello ${data.name},</p>
<p>Someone signed in to your TixGenius account asked to change its address to <strong>${data.newEmail}</strong>.</p>
<p>If this was not you, cancel the change and change your password.</p>
${button("Cancel the change", data.cancelLink)}`,
    ).value,
  };
}

export interface EmailChangedData {
  name: string;
  newEmail: string;
}

/** To the old address, once the new one is confirmed. */
export function emailChanged(data: EmailChangedData): RenderedMail {
  return {
    subject: "Your TixGenius email address was changed",
    text: [
      `Hello ${data.name},`,
      "",
      `Your TixGenius account now uses ${data.newEmail}; this address gets no more mail from it.`,
      "If this was not you, tell an administrator at once.",
    ].join("\n"),
    html: layout(
      "Your email address was changed",
      html`<p>Hello ${data.name},</p>
<p>Your TixGenius account now uses <strong>${data.newEmail}</strong>; this address gets no more mail from it.</p>
<p>If this was not you, tell an administrator at once.</p>`,
    ).value,
  };
}
