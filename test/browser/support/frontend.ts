import type { BrowserContext, Page } from "playwright-core";
import { DEVELOPMENT_ADMIN } from "../../../src/db/seed/seed-config.ts";
import { SNIPPETS } from "./snippets.ts";

export const ADMIN = DEVELOPMENT_ADMIN;

/**
 * What the snippets expect the app around them to define: `API` (the API's origin), and the
 * render and error hooks they call. Calls are recorded on `window` for the test to read.
 */
function harness(api: string): string {
  return `
    const API = ${JSON.stringify(api)};
    window.received = [];
    window.errors = [];
    function applyTicket(ticket) { received.push({ ticketId: ticket.id, title: ticket.title }); }
    function apply(event) {
      received.push({ id: event.id, type: event.type, ticketId: event.ticketId, title: event.payload.title });
    }
    function showError(error) { errors.push(String(error && error.message)); }
    window.notified = [];
    window.badge = null;
    window.inboxShown = [];
    function showNotification(payload) { notified.push(payload); badge = payload.unreadCount; }
    function renderBadge(count) { badge = count; }
    function renderInbox(list) { inboxShown = list; }
  `;
}

/** A tab of the frontend: its page on its own origin, the harness and the README's auth code. */
export async function openFrontend(context: BrowserContext, pageOrigin: string, api: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(pageOrigin);
  await page.addScriptTag({ content: harness(api) });
  await page.addScriptTag({ content: SNIPPETS.auth() });
  return page;
}

export function signIn(page: Page): Promise<void> {
  return page.evaluate(({ email, password }) => login(email, password), ADMIN);
}

export interface Received {
  ticketId: string;
  title: string;
  id?: number;
  type?: string;
}

export function receivedFor(page: Page, ticketId: string): Promise<Received[]> {
  return page.evaluate((id) => received.filter((item) => item.ticketId === id), ticketId);
}

/** The API from outside the browser, as the admin: writes whose events the page must receive. */
export async function adminClient(api: string) {
  const login = await fetch(`${api}/v1/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(ADMIN),
  });
  if (login.status !== 200) throw new Error(`admin login: ${login.status} ${await login.text()}`);
  const { accessToken } = (await login.json()) as { accessToken: string };
  const call = async (method: string, path: string, body: unknown) => {
    const response = await fetch(`${api}${path}`, {
      method,
      headers: { Authorization: `Bearer ${accessToken}`, "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as { id: string; title: string };
  };
  return {
    createTicket: (title: string) => call("POST", "/v1/tickets", { title }),
    retitle: (id: string, title: string) => call("PATCH", `/v1/tickets/${id}`, { title }),
    comment: (id: string, body: string) => call("POST", `/v1/tickets/${id}/comments`, { body }),
    /**
     * A fresh admin of the page's own: tests running at once must not share an inbox. An admin-set
     * password must be changed at the first sign-in (ASVS 6.4.1), so the new admin does that here.
     */
    createAdmin: async () => {
      const suffix = crypto.randomUUID().slice(0, 8);
      const user = { email: `inbox-${suffix}@example.test`, password: `inbox ${suffix} battery staple` };
      await call("POST", "/v1/users", { ...user, name: `Inbox ${suffix}`, role: "admin" });
      const chosen = `${user.password} of their own`;
      const own = await fetch(`${api}/v1/auth/login`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(user),
      });
      const { accessToken: theirs } = (await own.json()) as { accessToken: string };
      const changed = await fetch(`${api}/v1/auth/password`, {
        method: "POST",
        headers: { Authorization: `Bearer ${theirs}`, "Content-Type": "application/json" },
        body: JSON.stringify({ currentPassword: user.password, newPassword: chosen }),
      });
      if (!changed.ok) throw new Error(`password change: ${changed.status} ${await changed.text()}`);
      return { email: user.email, password: chosen };
    },
  };
}

declare global {
  // The harness's and the snippets' globals, as the page sees them.
  var received: Received[];
  var errors: string[];
  var notified: { notification: { id: string; seq: number; kind: string }; unreadCount: number }[];
  var badge: number | null;
  var inboxShown: { id: string; seq: number; kind: string; ticket: { id: string } }[];
  function loadInbox(): Promise<{ seq: number }[]>;
  function markAllRead(shown: { seq: number }[]): Promise<void>;
  var accessToken: string | null;
  var document: { cookie: string };
  function login(email: string, password: string): Promise<void>;
  function refresh(): Promise<void>;
  function api(path: string, init?: RequestInit): Promise<Response>;
  function uploadAttachment(ticketId: string, file: File): Promise<Record<string, unknown>>;
  function attachmentUrl(ticketId: string, attachmentId: string): Promise<string>;
}
