import { existsSync } from "node:fs";
import { type Browser, type BrowserContext, chromium } from "playwright-core";

/**
 * Debian's Chromium (`apt-get install chromium`): Playwright cannot download its own here.
 * CHROMIUM_PATH names another Chromium-based browser (GitHub's runners have Chrome, not Chromium).
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

export const hasChromium = existsSync(CHROMIUM_PATH);

/**
 * Headless, and quiet on the network: without the background-networking flags Chromium dials
 * Google's services at start, which a closed network refuses. Playwright gives every launch a
 * fresh temporary user-data-dir.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/**
 * A context of its own per test (cookies, storage). Waits get a minute: the suite shares two
 * cores with the rest of `npm test`, and every wait ends as soon as what it awaits happens.
 */
export async function newContext(browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext();
  context.setDefaultTimeout(60_000);
  return context;
}
