import { eq, inArray } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Database } from "../../db/database.ts";
import { notifications, tickets, users } from "../../db/schema.ts";
import type { Deps } from "../../deps.ts";
import { enqueueMail } from "../mail/outbox.ts";
import { ticketKey } from "../tickets/access.ts";

type Tx = Pick<Database, "select" | "insert">;
export type MailDeps = Pick<Deps, "config">;

const actors = alias(users, "actors");

/**
 * Queues one `notification` mail per given notification (new ones whose recipient chose `email`
 * for the kind), in the caller's transaction: one SELECT for every address, name, ticket key and
 * title, one insert of the jobs. The recipients were already filtered by userSeesTicket, and the
 * mail carries no comment body at all, so an internal comment's text cannot leave by mail.
 * Returns whether anything was queued (the verb then kicks the job runner after commit).
 */
export async function mailNotifications(deps: MailDeps, tx: Tx, notificationIds: readonly string[]) {
  if (notificationIds.length === 0) return false;
  const rows = await tx
    .select({
      kind: notifications.kind,
      visibility: notifications.visibility,
      data: notifications.data,
      email: users.email,
      name: users.name,
      ticketId: tickets.id,
      ticketNumber: tickets.number,
      ticketTitle: tickets.title,
      actorName: actors.name,
    })
    .from(notifications)
    .innerJoin(users, eq(users.id, notifications.recipientId))
    .innerJoin(tickets, eq(tickets.id, notifications.ticketId))
    .leftJoin(actors, eq(actors.id, notifications.actorId))
    .where(inArray(notifications.id, [...notificationIds]));
  if (rows.length === 0) return false;
  await enqueueMail(
    deps,
    tx,
    rows.map((row) => ({
      to: row.email,
      template: "notification" as const,
      data: {
        name: row.name,
        kind: row.kind,
        internal: row.visibility === "internal",
        ticketKey: ticketKey(row.ticketNumber),
        ticketTitle: row.ticketTitle,
        actorName: row.actorName,
        change: changeOf(row.data),
        link: ticketLink(deps.config.APP_URL, row.ticketId),
      },
    })),
  );
  return true;
}

/** The `from`/`to` of a status or priority change, or the due date's field: never free text. */
function changeOf(data: unknown): { from?: string; to?: string; field?: string; dueAt?: string } {
  const record = (data ?? {}) as Record<string, unknown>;
  const pick = (key: string) => (typeof record[key] === "string" ? { [key]: record[key] as string } : {});
  return { ...pick("from"), ...pick("to"), ...pick("field"), ...pick("dueAt") };
}

/** The frontend's page of the ticket, like the account mail's links (APP_URL). */
export function ticketLink(appUrl: string, ticketId: string): string {
  return new URL(`tickets/${ticketId}`, appUrl.endsWith("/") ? appUrl : `${appUrl}/`).toString();
}
