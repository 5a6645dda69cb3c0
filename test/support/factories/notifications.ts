import type { Notification } from "../../../src/features/notifications/schemas.ts";
import { jsonRequest, type Session } from "../factories.ts";
import type { TestContext } from "../test-context.ts";

export type NotificationPage = { data: Notification[]; nextCursor: string | null; total?: number };

export async function inbox(ctx: TestContext, session: Session, query = ""): Promise<NotificationPage> {
  const response = await ctx.app.request(`/v1/notifications${query}`, { headers: session.headers });
  if (response.status !== 200) throw new Error(`inbox: ${response.status} ${await response.text()}`);
  return (await response.json()) as NotificationPage;
}

export async function unread(ctx: TestContext, session: Session): Promise<number> {
  const response = await ctx.app.request("/v1/notifications/unread-count", { headers: session.headers });
  if (response.status !== 200) throw new Error(`unread: ${response.status}`);
  return ((await response.json()) as { unread: number }).unread;
}

/** The caller's notifications about one ticket (each test owns its tickets). */
export async function aboutTicket(ctx: TestContext, session: Session, ticketId: string) {
  return (await inbox(ctx, session, "?limit=100")).data.filter((item) => item.ticket.id === ticketId);
}

export function watchTicket(ctx: TestContext, session: Session, ticketId: string, method: "PUT" | "DELETE") {
  return ctx.app.request(`/v1/tickets/${ticketId}/watchers/me`, { method, headers: session.headers });
}

export function setPreferences(ctx: TestContext, session: Session, body: Record<string, string>) {
  return ctx.app.request("/v1/notifications/preferences", jsonRequest("PATCH", body, session.headers));
}

export function markAll(ctx: TestContext, session: Session, upToSeq: number) {
  return ctx.app.request("/v1/notifications/read-all", jsonRequest("POST", { upToSeq }, session.headers));
}

export function mark(ctx: TestContext, session: Session, id: string, read: boolean) {
  return ctx.app.request(`/v1/notifications/${id}`, jsonRequest("PATCH", { read }, session.headers));
}
