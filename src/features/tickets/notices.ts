import type { Database } from "../../db/database.ts";
import type { MailDeps } from "../notifications/mail.ts";
import { type Mention, mentionedIds, mentionsOfTexts, resolveMentions } from "../notifications/mentions.ts";
import { type TicketChange, watchersOf, writeNotifications } from "../notifications/notify.ts";
import { addWatchers } from "../notifications/watchers.ts";
import type { TicketRow } from "./access.ts";

type Tx = Pick<Database, "select" | "insert" | "update" | "execute">;

export interface TicketMentions {
  mentions?: Mention[];
  unreachableMentions?: string[];
}

/**
 * What a new ticket or a patch causes for people: the reporter watches a new ticket; whoever the
 * description mentions anew (and can see it) watches and is told; watchers hear of status and
 * priority changes, the reporter of the resolution. Returns the mentions for the response and the
 * notification ids, whose events go after the ticket's own.
 */
export async function noticeTicketChange(
  deps: MailDeps,
  tx: Tx,
  actorId: string,
  before: TicketRow | null,
  after: TicketRow,
): Promise<TicketMentions & { notificationIds: string[]; mailQueued: boolean }> {
  const { mentions, unreachable } = await resolveMentions(
    tx,
    mentionedIds(after.description),
    after,
    "public",
  );
  const earlier = new Set(before ? mentionedIds(before.description) : []);
  const newlyMentioned = mentions.map((mention) => mention.userId).filter((id) => !earlier.has(id));
  await addWatchers(tx, after.id, before ? newlyMentioned : [after.reporterId, ...newlyMentioned]);
  const changes: TicketChange[] = [{ ticket: after, actorId, kind: "mentioned", to: newlyMentioned }];
  if (before && before.status !== after.status) {
    const resolved = after.status === "resolved";
    const data = { from: before.status, to: after.status };
    if (resolved) changes.push({ ticket: after, actorId, kind: "resolved", to: [after.reporterId], data });
    const to = watchersOf(after.id, resolved ? [after.reporterId] : []);
    changes.push({ ticket: after, actorId, kind: "status_changed", to, data });
  }
  if (before && before.priority !== after.priority) {
    const data = { from: before.priority, to: after.priority };
    changes.push({ ticket: after, actorId, kind: "priority_changed", to: watchersOf(after.id), data });
  }
  const written = await writeNotifications(deps, tx, changes);
  return {
    ...mentionsField(mentions, unreachable),
    notificationIds: written.ids,
    mailQueued: written.mailQueued,
  };
}

/** `mentions` only on a ticket whose description mentions someone, so other answers stay as they were. */
export async function mentionsOfTicket(
  db: Pick<Database, "select">,
  ticket: TicketRow,
): Promise<TicketMentions> {
  if (mentionedIds(ticket.description).length === 0) return {};
  const [mentions] = await mentionsOfTexts(db, ticket, [{ text: ticket.description, visibility: "public" }]);
  return mentionsField(mentions ?? [], []);
}

function mentionsField(mentions: Mention[], unreachable: string[]): TicketMentions {
  return {
    ...(mentions.length > 0 ? { mentions } : {}),
    ...(unreachable.length > 0 ? { unreachableMentions: unreachable } : {}),
  };
}
