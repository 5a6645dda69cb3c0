import { readFileSync } from "node:fs";

const root = new URL("../../../", import.meta.url);

/**
 * The first ```js block of a Markdown section, exactly as the docs show it, so the browser suite
 * runs what readers copy and the docs cannot drift from working code.
 */
export function jsSnippet(file: "README.md" | "docs/EVENTS.md", heading: string): string {
  const markdown = readFileSync(new URL(file, root), "utf8");
  const section = markdown.split(`\n${heading}\n`)[1]?.split(/\n#{1,2} /)[0];
  const block = section?.match(/```js\n([\s\S]*?)```/)?.[1];
  if (!block) throw new Error(`${file} has no js block under "${heading}"`);
  return block;
}

export const SNIPPETS = {
  auth: () => jsSnippet("README.md", "## Authentication for a frontend"),
  readmeEvents: () => jsSnippet("README.md", "## Live events for a frontend"),
  readmeAttachments: () => jsSnippet("README.md", "## Attachments for a frontend"),
  docsEvents: () => jsSnippet("docs/EVENTS.md", "## Consuming the stream in a browser"),
  readmeInbox: () => jsSnippet("README.md", "## Notifications for a frontend"),
  docsInbox: () => jsSnippet("docs/EVENTS.md", "### The inbox and the badge in a browser"),
};
