import { expect } from "vitest";

/** Every URL the page makes the browser load: script and link targets, ES imports, CSS url()s. */
export function loadedUrls(html: string): string[] {
  const patterns = [
    /\s(?:src|href)\s*=\s*["']([^"']*)["']/gi,
    /\bimport\s*(?:[^'"]*?\bfrom\s*)?["']([^"']+)["']/g,
    /\burl\(\s*["']?([^"')]+)["']?\s*\)/gi,
  ];
  return patterns.flatMap((pattern) => [...html.matchAll(pattern)].map((match) => match[1] ?? ""));
}

/**
 * Checks that /docs renders offline: nothing on the page points off the origin, and each script it
 * loads is served by the app itself. `fetchPath` sends a request to the app under test.
 */
export async function expectSelfContainedDocs(
  fetchPath: (path: string) => Response | Promise<Response>,
): Promise<void> {
  const page = await fetchPath("/docs");
  expect(page.status).toBe(200);
  expect(page.headers.get("content-type")).toContain("text/html");
  const html = await page.text();
  expect(html).toContain("/openapi.json");
  expect(html).not.toMatch(/(?:https?:)?\/\/[\w.-]+\.[a-z]{2,}/i);
  const urls = loadedUrls(html);
  const scripts = [...html.matchAll(/<script[^>]*\ssrc=["']([^"']+)["']/gi)].map((match) => match[1] ?? "");
  expect(scripts.length).toBeGreaterThan(0);
  for (const url of urls) expect(url, url).toMatch(/^\/(?!\/)/);
  for (const script of scripts) {
    const response = await fetchPath(script);
    expect(response.status, script).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/javascript/);
    expect(await response.text()).toContain("createApiReference");
  }
  // Inline scripts run only with the page's nonce, so nothing injected into the page runs.
  const policy = page.headers.get("content-security-policy") ?? "";
  const nonce = /'nonce-([^']+)'/.exec(policy)?.[1];
  expect(nonce).toBeDefined();
  expect(policy).toMatch(/default-src 'none'/);
  expect(policy).not.toMatch(/script-src[^;]*'unsafe-inline'/);
  for (const tag of html.matchAll(/<script\b[^>]*>/gi)) expect(tag[0]).toContain(`nonce="${nonce}"`);
}
