import { button, html, layout } from "./html.ts";
import type { RenderedMail } from "./types.ts";

export interface NotificationMailData {
  name: string;
  kind: string;
  /** About an internal comment (to staff only): said so, as the inbox does. */
  internal: boolean;
  ticketKey: string;
  ticketTitle: string;
  /** Null for the due-date sweep, or an actor since deleted. */
  actorName: string | null;
  change: { from?: string; to?: string; field?: string; dueAt?: string };
  link: string;
}

/**
 * One notification by mail, for a recipient whose preference for the kind is `email`. It names the
 * kind, the ticket and the actor and links to the ticket; it never carries a comment's body (the
 * comment may be internal, and mail leaves the app's access rules behind).
 */
export function notification(data: NotificationMailData): RenderedMail {
  const what = describe(data);
  const ticket = `${data.ticketKey} ${data.ticketTitle}`;
  return {
    // A title is one line in the app, but a header must never break whatever it holds.
    subject: `[${data.ticketKey}] ${data.ticketTitle}: ${what}`.replace(/\s+/g, " "),
    text: [
      `Hello ${data.name},`,
      "",
      `${ticket}: ${what}.`,
      "",
      `Open the ticket: ${data.link}`,
      "",
      "You get this message because your notification preferences ask for email for this kind; change them in TixGenius.",
    ].join("\n"),
    html: layout(
      `${data.ticketKey}: ${what}`,
      html`<p>Hello ${data.name},</p>
<p><strong>${data.ticketKey}</strong> ${data.ticketTitle}: ${what}.</p>
${button("Open the ticket", data.link)}
<p style="font-size: 0.875rem;">You get this message because your notification preferences ask for email for this kind; change them in TixGenius.</p>`,
    ).value,
  };
}

function describe(data: NotificationMailData): string {
  const by = data.actorName ?? "someone";
  const comment = data.internal ? "an internal comment" : "a comment";
  const { from, to } = data.change;
  const moved = from && to ? ` from ${from} to ${to}` : "";
  switch (data.kind) {
    case "assigned":
      return `${by} assigned it to you`;
    case "unassigned":
      return `${by} unassigned you`;
    case "mentioned":
      return `${by} mentioned you`;
    case "commented":
      return `${by} added ${comment}`;
    case "status_changed":
      return `${by} changed the status${moved}`;
    case "priority_changed":
      return `${by} changed the priority${moved}`;
    case "resolved":
      return `${by} resolved it`;
    case "due_soon":
      return "a due date is near";
    case "overdue":
      return "a due date has passed";
    default:
      return "it changed";
  }
}
