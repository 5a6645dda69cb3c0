import { inArray, sql } from "drizzle-orm";
import type { Database } from "../../db/database.ts";
import { users } from "../../db/schema.ts";
import { type TicketAudience, userSeesTicket } from "./audience.ts";

/**
 * The one mention form, as Slack writes it: `<@user-id>` with the user's UUID. A frontend inserts
 * the token when someone picks a person and renders it from `mentions` in the response.
 */
const MENTION = /<@([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})>/gi;
/** More distinct mentions than this in one text are not resolved (nor notified). */
export const MAX_MENTIONS = 50;

export interface Mention {
  userId: string;
  name: string;
}

/** The distinct user ids mentioned in a text, in order of first appearance. */
export function mentionedIds(text: string): string[] {
  const ids = new Set<string>();
  for (const match of text.matchAll(MENTION)) {
    ids.add((match[1] as string).toLowerCase());
    if (ids.size >= MAX_MENTIONS) break;
  }
  return [...ids];
}

export interface ResolvedMentions {
  /** Mentioned people who can see the text: named, notified and watching. */
  mentions: Mention[];
  /** Ids mentioned that reach no one (no such user, or one who cannot see it): only for the author. */
  unreachable: string[];
}

/**
 * Resolves the mentions of a text on a ticket in one query. Someone who cannot see the ticket
 * (or, for `internal`, is not staff) is unreachable: named nowhere, told nothing.
 */
export async function resolveMentions(
  db: Pick<Database, "select">,
  ids: readonly string[],
  ticket: TicketAudience,
  visibility: "public" | "internal",
): Promise<ResolvedMentions> {
  if (ids.length === 0) return { mentions: [], unreachable: [] };
  const rows = await db
    .select({ id: users.id, name: users.name, sees: sql<boolean>`${userSeesTicket(ticket, visibility)}` })
    .from(users)
    .where(inArray(users.id, [...ids]));
  const reachable = new Map(rows.filter((row) => row.sees).map((row) => [row.id, row.name]));
  return {
    mentions: ids.flatMap((userId) => {
      const name = reachable.get(userId);
      return name === undefined ? [] : [{ userId, name }];
    }),
    unreachable: ids.filter((id) => !reachable.has(id)),
  };
}

/**
 * The `mentions` of several texts on one ticket (a page of comments), one query for all: each
 * text names only the mentioned who may see that text.
 */
export async function mentionsOfTexts(
  db: Pick<Database, "select">,
  ticket: TicketAudience,
  texts: readonly { text: string; visibility: "public" | "internal" }[],
): Promise<Mention[][]> {
  const idsOf = texts.map((entry) => mentionedIds(entry.text));
  const all = [...new Set(idsOf.flat())];
  if (all.length === 0) return texts.map(() => []);
  const rows = await db
    .select({
      id: users.id,
      name: users.name,
      public: sql<boolean>`${userSeesTicket(ticket, "public")}`,
      internal: sql<boolean>`${userSeesTicket(ticket, "internal")}`,
    })
    .from(users)
    .where(inArray(users.id, all));
  const byId = new Map(rows.map((row) => [row.id, row]));
  return idsOf.map((ids, index) =>
    ids.flatMap((userId) => {
      const row = byId.get(userId);
      const sees = row && (texts[index]?.visibility === "internal" ? row.internal : row.public);
      return row && sees ? [{ userId, name: row.name }] : [];
    }),
  );
}
