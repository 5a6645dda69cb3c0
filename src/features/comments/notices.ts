import type { Database } from "../../db/database.ts";
import type { MailDeps } from "../notifications/mail.ts";
import { mentionedIds, type ResolvedMentions, resolveMentions } from "../notifications/mentions.ts";
import { watchersOf, writeNotifications } from "../notifications/notify.ts";
import { addWatchers } from "../notifications/watchers.ts";
import type { TicketRow } from "../tickets/access.ts";
import type { CommentRow } from "./queries.ts";

type Tx = Pick<Database, "select" | "insert" | "update" | "execute">;

/**
 * What a new or edited comment causes besides itself: its mentions resolved, the author and the
 * reachable mentioned made watchers, `mentioned` for those mentioned anew and (for a new comment)
 * `commented` for the other watchers. An internal comment reaches staff only (userSeesTicket).
 * Returns the mentions, the notification ids (their events go after the comment's own) and
 * whether mail was queued.
 */
export async function noticeComment(
  deps: MailDeps,
  tx: Tx,
  actorId: string,
  ticket: TicketRow,
  row: CommentRow,
  previousBody: string | null,
): Promise<ResolvedMentions & { notificationIds: string[]; mailQueued: boolean }> {
  const resolved = await resolveMentions(tx, mentionedIds(row.body), ticket, row.visibility);
  const mentioned = resolved.mentions.map((mention) => mention.userId);
  const before = new Set(previousBody === null ? [] : mentionedIds(previousBody));
  const newlyMentioned = mentioned.filter((userId) => !before.has(userId));
  await addWatchers(tx, ticket.id, [actorId, ...newlyMentioned]);
  const common = { ticket, actorId, visibility: row.visibility, commentId: row.id };
  const written = await writeNotifications(deps, tx, [
    { ...common, kind: "mentioned", to: newlyMentioned },
    ...(previousBody === null
      ? [{ ...common, kind: "commented" as const, to: watchersOf(ticket.id, mentioned) }]
      : []),
  ]);
  return { ...resolved, notificationIds: written.ids, mailQueued: written.mailQueued };
}
