import type { Browser, Page, Request, Route } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_TITLE } from "../../src/features/docs/routes.ts";
import { CHROMIUM_PATH, hasChromium, launchChromium, newContext } from "./support/chromium.ts";
import { adminClient, openFrontend, receivedFor, signIn } from "./support/frontend.ts";
import { type PageServer, startPageServer } from "./support/page-server.ts";
import { SNIPPETS } from "./support/snippets.ts";
import { startNodeTarget, startWorkerTarget, type Target, type TargetOptions } from "./support/targets.ts";

const databaseUrl = process.env.DATABASE_URL || undefined;
const redisUrl = process.env.REDIS_URL || undefined;

// Never a silent pass: without Chromium the suite is reported skipped, and CI must have it.
it.runIf(process.env.CI === "true" && !hasChromium)(`has Chromium at ${CHROMIUM_PATH} in CI`, () => {
  expect.fail(`CI=true but ${CHROMIUM_PATH} is missing: .ci/run installs it with apt-get`);
});

const targets: [string, (options: TargetOptions) => Promise<Target>, boolean][] = [
  ["the Node server (src/node.ts)", startNodeTarget, true],
  // wrangler dev needs PostgreSQL: the Worker cannot open the embedded database.
  [
    "wrangler dev (npm run dev:worker)",
    (options) => startWorkerTarget({ ...options, databaseUrl: options.databaseUrl as string }),
    databaseUrl !== undefined,
  ],
];

// Concurrent, both servers and every test: most of the time is spent waiting (start-up, streams
// ending), and each test has its own browser context, so its own cookies and storage.
describe.skipIf(!hasChromium)(
  "the documented frontend code in Chromium, from another origin",
  { concurrent: true },
  () => {
    let browser: Browser;
    let pages: PageServer;
    const started = new Map<string, PromiseSettledResult<Target>>();
    beforeAll(async () => {
      pages = await startPageServer();
      const options = { corsOrigin: pages.origin, databaseUrl, redisUrl };
      const starting = targets.map(([name, start, runs]) =>
        runs ? start(options) : Promise.reject(new Error(name)),
      );
      const [launched, ...servers] = await Promise.allSettled([launchChromium(), ...starting]);
      for (const [index, [name]] of targets.entries()) {
        started.set(name, servers[index] as PromiseSettledResult<Target>);
      }
      if (launched?.status === "rejected") throw launched.reason;
      browser = launched?.value as Browser;
    });
    afterAll(async () => {
      await browser?.close();
      await pages?.close();
      for (const server of started.values()) if (server.status === "fulfilled") await server.value.close();
    });

    describe.each(targets)("against %s", (name, _start, runs) => {
      let target: Target;
      beforeAll(() => {
        const server = started.get(name);
        if (server?.status === "rejected") throw server.reason;
        if (server) target = server.value;
      });

      it.skipIf(!runs)(
        "signs in with the cookie, and a 401 refreshes from it once and retries",
        async ({ expect }) => {
          const context = await newContext(browser);
          const page = await openFrontend(context, pages.origin, target.url);
          await signIn(page);

          const cookies = await context.cookies(`${target.url}/v1/auth/refresh`);
          const refreshCookie = cookies.find((cookie) => cookie.name === "tix_refresh");
          expect(refreshCookie).toMatchObject({ httpOnly: true, path: "/v1/auth", sameSite: "Strict" });
          expect(await page.evaluate(() => document.cookie)).toBe("");

          const outcome = await page.evaluate(async () => {
            const first = accessToken;
            const me = await api("/v1/me");
            accessToken = "expired-or-revoked"; // the next call gets a 401 and must recover from the cookie
            const again = await api("/v1/me");
            return { me: me.status, again: again.status, rotated: accessToken !== first };
          });
          expect(outcome).toEqual({ me: 200, again: 200, rotated: true });
          await context.close();
        },
      );

      it.skipIf(!runs)(
        "keeps two tabs signed in when both refresh at the same moment",
        async ({ expect }) => {
          const context = await newContext(browser);
          const [first, second] = [
            await openFrontend(context, pages.origin, target.url),
            await openFrontend(context, pages.origin, target.url),
          ];
          await signIn(first);

          // Both refreshes are held until both are in flight, so both carry the same cookie.
          const arrived: Route[] = [];
          let bothArrived: () => void = () => {};
          const together = new Promise<void>((resolve) => {
            bothArrived = resolve;
          });
          await context.route(
            (url) => url.pathname === "/v1/auth/refresh",
            async (route) => {
              if (route.request().method() !== "POST") return route.continue();
              arrived.push(route);
              if (arrived.length === 2) bothArrived();
              await together;
              return route.continue();
            },
          );
          const sent: Request[] = [];
          context.on("requestfinished", (request) => {
            if (new URL(request.url()).pathname === "/v1/auth/refresh" && request.method() === "POST")
              sent.push(request);
          });

          const refreshes = await Promise.allSettled([
            first.evaluate(() => refresh()),
            second.evaluate(() => refresh()),
          ]);
          await expect.poll(() => sent.length, { timeout: 30_000 }).toBe(2); // the events trail the pages' promises
          const cookiesSent = await Promise.all(
            sent.map(async (request) => (await request.allHeaders()).cookie),
          );
          expect(cookiesSent).toHaveLength(2);
          expect(cookiesSent[0]).toContain("tix_refresh=");
          expect(cookiesSent[1]).toBe(cookiesSent[0]);
          // Without a grace period the second presentation of the token would end the session.
          expect(
            refreshes.map((result) => (result.status === "rejected" ? String(result.reason) : "ok")),
          ).toEqual(["ok", "ok"]);
          await context.unroute((url) => url.pathname === "/v1/auth/refresh");

          // Both stay signed in: their access tokens work, and each can refresh again afterwards.
          for (const tab of [first, second, first, second]) {
            const status = await tab.evaluate(async () => {
              await refresh();
              return (await api("/v1/me")).status;
            });
            expect(status).toBe(200);
          }
          await context.close();
        },
      );

      it.skipIf(!runs).for([
        ["README.md", SNIPPETS.readmeEvents],
        ["docs/EVENTS.md", SNIPPETS.docsEvents],
      ] as const)(
        "%s's EventSource code starts with no id, then resumes after the stream ends without losing an event",
        async ([, snippet], { expect }) => {
          const context = await newContext(browser);
          const page = await openFrontend(context, pages.origin, target.url);
          await signIn(page);
          const admin = await adminClient(target.url);
          const ticket = await admin.createTicket("resume me");
          const streams = await watchStreams(page);

          await page.addScriptTag({ content: snippet() });
          // Without an id the stream starts at "now", once subscribed: retitle until it is live.
          for (let attempt = 1; (await receivedFor(page, ticket.id)).length === 0; attempt++) {
            expect(attempt, "no event reached the page").toBeLessThan(30);
            await admin.retitle(ticket.id, `warm-up ${attempt}`);
            await page
              .waitForFunction((id) => received.some((item) => item.ticketId === id), ticket.id, {
                timeout: 1000,
              })
              .catch(() => {});
          }
          await admin.retitle(ticket.id, "live");
          await waitForTitle(page, ticket.id, "live");

          // The stream ends after EVENT_STREAM_MAX_SECONDS; its reconnect is held while we write.
          const reconnect = streams.holdNext();
          const resumedFrom = await reconnect.arrived;
          const lastSeen = await page.evaluate(() => sessionStorage.getItem("lastEventId"));
          await admin.retitle(ticket.id, "missed 1");
          await admin.retitle(ticket.id, "missed 2");
          reconnect.release();
          await waitForTitle(page, ticket.id, "missed 2");
          await admin.retitle(ticket.id, "after");
          await waitForTitle(page, ticket.id, "after");

          expect(streams.urls[0]?.searchParams.has("lastEventId")).toBe(false);
          const received = await receivedFor(page, ticket.id);
          const titles = received.map((item) => item.title);
          expect(new Set(titles).size, "an event came twice").toBe(titles.length);
          expect(titles.slice(titles.indexOf("live"))).toEqual(["live", "missed 1", "missed 2", "after"]);
          const live = received[titles.indexOf("live")];
          expect(resumedFrom.searchParams.get("lastEventId")).toBe(lastSeen);
          // The admin sees the other tests' events too: the stored id is the last of them all.
          if (live?.id !== undefined) expect(Number(lastSeen)).toBeGreaterThanOrEqual(live.id);
          expect(await page.evaluate(() => errors)).toEqual([]);
          await context.close();
        },
      );

      it.skipIf(!runs).for([
        ["README.md", SNIPPETS.readmeEvents],
        ["docs/EVENTS.md", SNIPPETS.docsEvents],
      ] as const)(
        "%s's EventSource code reports a stream the server refuses instead of retrying forever",
        async ([, snippet], { expect }) => {
          const context = await newContext(browser);
          const page = await openFrontend(context, pages.origin, target.url);
          await signIn(page);
          const streams = await watchStreams(page);
          await page.evaluate(() => sessionStorage.setItem("lastEventId", "not-an-event-id"));

          await page.addScriptTag({ content: snippet() });
          await page.waitForFunction(() => errors.length > 0);
          expect((await page.evaluate(() => errors))[0]).toContain("400");
          // One EventSource attempt and one fetch probe, no retry loop.
          expect(streams.urls).toHaveLength(2);
          await context.close();
        },
      );

      it.skipIf(!runs).for([
        ["README.md", SNIPPETS.readmeEvents],
        ["docs/EVENTS.md", SNIPPETS.docsEvents],
      ] as const)(
        "%s's EventSource code reports a session ended under an open stream instead of retrying forever",
        async ([, snippet], { expect }) => {
          const context = await newContext(browser);
          const page = await openFrontend(context, pages.origin, target.url);
          await signIn(page);
          const streams = await watchStreams(page);
          const opened = page.waitForResponse(
            (response) => new URL(response.url()).pathname === "/v1/events",
          );
          await page.addScriptTag({ content: snippet() });
          expect((await opened).status()).toBe(200);

          // The stream notices within seconds and ends; the reconnect's token request is a 401,
          // and so is the refresh that follows.
          expect(
            await page.evaluate(async () => (await api("/v1/auth/logout", { method: "POST" })).status),
          ).toBe(204);
          await page.waitForFunction(() => errors.length > 0);
          expect((await page.evaluate(() => errors))[0]).toContain("401");
          expect(streams.urls).toHaveLength(1);
          await context.close();
        },
      );

      it.skipIf(!runs).for([
        ["README.md", SNIPPETS.readmeEvents, SNIPPETS.readmeInbox],
        ["docs/EVENTS.md", SNIPPETS.docsEvents, SNIPPETS.docsInbox],
      ] as const)(
        "%s's inbox code shows the live badge, lists the inbox and marks it read",
        async ([, events, inbox], { expect }) => {
          const context = await newContext(browser);
          const page = await openFrontend(context, pages.origin, target.url);
          const admin = await adminClient(target.url);
          const me = await admin.createAdmin();
          await page.evaluate(({ email, password }) => login(email, password), me);
          const ticket = await admin.createTicket("notify me");
          const watched = await page.evaluate(
            async (id) => (await api(`/v1/tickets/${id}/watchers/me`, { method: "PUT" })).status,
            ticket.id,
          );
          expect(watched).toBe(200);

          await page.addScriptTag({ content: inbox() });
          await page.addScriptTag({ content: events() });
          // The stream starts at "now", once subscribed: comment until it is live. They all fold.
          for (let attempt = 1; (await page.evaluate(() => notified.length)) === 0; attempt++) {
            expect(attempt, "no notification reached the page").toBeLessThan(30);
            await admin.comment(ticket.id, `note ${attempt}`);
            await page
              .waitForFunction(() => notified.length > 0, undefined, { timeout: 1000 })
              .catch(() => {});
          }
          const live = await page.evaluate(() => notified.at(-1));
          expect(live?.unreadCount).toBe(1);
          expect(await page.evaluate(() => badge)).toBe(1);

          const shown = await page.evaluate(() => loadInbox());
          expect(await page.evaluate(() => inboxShown.map((item) => [item.kind, item.ticket.id]))).toEqual([
            ["commented", ticket.id],
          ]);
          await page.evaluate((list) => markAllRead(list), shown);
          expect(await page.evaluate(() => badge)).toBe(0);

          await admin.comment(ticket.id, "after reading");
          await page.waitForFunction(() => badge === 1, undefined, { timeout: 10_000 });
          expect(await page.evaluate(() => errors)).toEqual([]);
          await context.close();
        },
      );

      it.skipIf(!runs)(
        "uploads a file with the README's fetch code, and the server decides its type from the bytes",
        async ({ expect }) => {
          const context = await newContext(browser);
          const page = await openFrontend(context, pages.origin, target.url);
          await signIn(page);
          const ticket = await (await adminClient(target.url)).createTicket("with a screenshot");
          await page.addScriptTag({ content: SNIPPETS.readmeAttachments() });

          const outcome = await page.evaluate(async (ticketId) => {
            // A PNG's signature and IHDR (3×2), declared as text: the server must find the image.
            const bytes = new Uint8Array(64);
            bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
            bytes.set([0, 0, 0, 3, 0, 0, 0, 2], 16);
            const file = new File([bytes], "screen shot.png", { type: "text/plain" });
            const attachment = await uploadAttachment(ticketId, file);
            const served = await fetch(await attachmentUrl(ticketId, String(attachment.id)));
            return {
              attachment,
              status: served.status,
              type: served.headers.get("Content-Type"),
              disposition: served.headers.get("Content-Disposition"),
              size: (await served.arrayBuffer()).byteLength,
            };
          }, ticket.id);

          expect(outcome).toMatchObject({
            attachment: { status: "ready", contentType: "image/png", width: 3, height: 2 },
            status: 200,
            type: "image/png",
            disposition: `inline; filename="screen shot.png"; filename*=UTF-8''screen%20shot.png`,
            size: 64,
          });
          await context.close();
        },
      );

      it.skipIf(!runs)("renders /docs with every request served by the API itself", async ({ expect }) => {
        const context = await newContext(browser);
        const leaving: string[] = [];
        await context.route("**/*", (route) => {
          const { hostname } = new URL(route.request().url());
          if (hostname === "127.0.0.1" || hostname === "localhost") return route.continue();
          leaving.push(route.request().url());
          return route.abort();
        });
        const page = await context.newPage();
        await page.goto(`${target.url}/docs`);
        await page.getByText(API_TITLE).first().waitFor();
        // The first tag group is open when the page loads: its first operation is drawn from the document.
        const document = (await (await fetch(`${target.url}/openapi.json`)).json()) as {
          paths: Record<string, Record<string, { summary: string }>>;
        };
        const [firstOperation] = Object.values(Object.values(document.paths)[0] ?? {});
        await page
          .getByText(firstOperation?.summary ?? "no operation in the document")
          .first()
          .waitFor();
        expect(leaving).toEqual([]);
        await context.close();
      });
    });
  },
);

async function waitForTitle(page: Page, ticketId: string, title: string): Promise<void> {
  await page.waitForFunction(
    ({ id, expected }) => received.some((item) => item.ticketId === id && item.title === expected),
    { id: ticketId, expected: title },
  );
}

/** Records each GET /v1/events; `holdNext` keeps the next one from the server until released. */
async function watchStreams(page: Page) {
  const urls: URL[] = [];
  let hold: { arrive: (url: URL) => void; released: Promise<void> } | undefined;
  await page.route(
    (url) => url.pathname === "/v1/events",
    async (route) => {
      const url = new URL(route.request().url());
      urls.push(url);
      const held = hold;
      hold = undefined;
      if (held) {
        held.arrive(url);
        await held.released;
      }
      await route.continue();
    },
  );
  return {
    urls,
    holdNext() {
      let arrive: (url: URL) => void = () => {};
      let release: () => void = () => {};
      const arrived = new Promise<URL>((resolve) => {
        arrive = resolve;
      });
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      hold = { arrive, released };
      return { arrived, release };
    },
  };
}
