/** HTML that is already safe to insert: built only by `html` below, never from user input. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ESCAPES[character] ?? character);
}

/**
 * A tagged template for mail HTML: every interpolated value is escaped (names, emails, team names,
 * links alike) unless it is SafeHtml from another `html` call; arrays are joined.
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? "";
  values.forEach((value, index) => {
    out += renderValue(value) + (strings[index + 1] ?? "");
  });
  return new SafeHtml(out);
}

function renderValue(value: unknown): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(renderValue).join("");
  return escapeHtml(String(value ?? ""));
}

/** The frame every message shares: a heading, the body, and why the person got it. */
export function layout(heading: string, body: SafeHtml): SafeHtml {
  return html`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${heading}</title></head>
<body style="font-family: system-ui, sans-serif; line-height: 1.5; color: #1f2328; max-width: 36rem; margin: 0 auto; padding: 1.5rem;">
<h1 style="font-size: 1.25rem;">${heading}</h1>
${body}
<p style="color: #656d76; font-size: 0.875rem;">You get this message because of your TixGenius account. TixGenius never asks for your password by email.</p>
</body>
</html>`;
}

export function button(label: string, href: string): SafeHtml {
  return html`<p><a href="${href}" style="display: inline-block; padding: 0.5rem 1rem; background: #0969da; color: #fff; text-decoration: none; border-radius: 6px;">${label}</a></p>
<p style="font-size: 0.875rem;">Or paste this address into your browser: ${href}</p>`;
}
