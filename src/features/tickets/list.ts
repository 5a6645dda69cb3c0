import { and, arrayContains, count, eq, gte, inArray, isNull, lt, type SQL, sql } from "drizzle-orm";
import type { Database } from "../../db/database.ts";
import { tickets } from "../../db/schema.ts";
import type { Deps } from "../../deps.ts";
import type { Actor } from "../../lib/actor.ts";
import { encodeCursor } from "../../lib/cursor.ts";
import { attachmentCountOf } from "../attachments/queries.ts";
import { ticketColumns, visibleTickets } from "./access.ts";
import type { TicketListQuery } from "./list-schemas.ts";
import { orderingFor } from "./ordering.ts";
import { toTicket } from "./presenter.ts";

/**
 * One page of the tickets the caller may see, in one statement (plus one for `count=true`),
 * whatever the page size. Keyset pagination over (sort key, id); see ordering.ts.
 */
export async function listTickets(deps: Deps, actor: Actor, query: TicketListQuery) {
  const { statement, scope, ordering } = listStatement(deps.db, actor, query);
  const rows = await statement;
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  const nextCursor =
    // dueAt keys may be null: JSON carries that, and decoding accepts it only for that sort.
    rows.length > query.limit && last
      ? encodeCursor([ordering.name, ...JSON.parse(last.cursorKey), last.id])
      : null;
  const data = page.map(({ cursorKey: _key, attachmentCount, ...row }) => ({
    ...toTicket(row),
    attachmentCount,
  }));
  if (!query.count) return { data, nextCursor };
  // A relevance search pages through its candidates only, and so counts only them.
  const counted =
    ordering.name === "relevance"
      ? deps.db.select({ value: count() }).from(newestMatches(deps.db, scope))
      : deps.db.select({ value: count() }).from(tickets).where(scope);
  const [total] = await counted;
  return { data, nextCursor, total: total?.value ?? 0 };
}

/**
 * How many matches a relevance search ranks: the newest ones. Ranking every match of a common
 * word cost a read of each matching row (250k at 1M tickets); the newest 1,000 are found by
 * walking tickets_created_idx (or, for a rare word, through the GIN index), whatever the table's
 * size. GitHub's search API caps its results at 1,000 the same way. `sort` with `q` pages
 * through every match.
 */
export const RELEVANCE_CANDIDATES = 1000;

/** The page query, unexecuted (tests EXPLAIN it to prove which index serves each order). */
export function listStatement(db: Database, actor: Actor, query: TicketListQuery) {
  const tsQuery = query.q === undefined ? undefined : sql`websearch_to_tsquery('english', ${query.q})`;
  const ordering = orderingFor(query.sort, tsQuery);
  const scope = and(...filtersOf(actor, query), tsQuery ? sql`${tickets.search} @@ ${tsQuery}` : undefined);
  const after = query.cursor ? ordering.after(query.cursor) : undefined;
  const source = ordering.name === "relevance" ? newestMatches(db, scope) : tickets;
  const statement = db
    .select({
      ...ticketColumns,
      cursorKey: ordering.cursorKey,
      attachmentCount: attachmentCountOf(actor),
    })
    .from(source)
    .where(ordering.name === "relevance" ? after : and(scope, after))
    .orderBy(...ordering.orderBy)
    .limit(query.limit + 1);
  return { statement, scope, ordering };
}

/**
 * The newest matches as a subquery aliased `tickets`, so the ordering's and the columns' SQL
 * (which name tickets.*) read from it unchanged; it keeps `search` for ts_rank.
 */
function newestMatches(db: Database, scope: SQL | undefined) {
  return db
    .select()
    .from(tickets)
    .where(scope)
    .orderBy(sql`${tickets.createdAt} desc nulls last`, sql`${tickets.id} desc`)
    .limit(RELEVANCE_CANDIDATES)
    .as("tickets");
}

function filtersOf(actor: Actor, query: TicketListQuery): (SQL | undefined)[] {
  const userOf = (value: string) => (value === "me" ? actor.userId : value);
  return [
    visibleTickets(actor),
    isNull(tickets.deletedAt),
    query.status ? inArray(tickets.status, query.status) : undefined,
    query.priority ? inArray(tickets.priority, query.priority) : undefined,
    query.assigneeId === "none"
      ? isNull(tickets.assigneeId)
      : query.assigneeId
        ? eq(tickets.assigneeId, userOf(query.assigneeId))
        : undefined,
    query.reporterId ? eq(tickets.reporterId, userOf(query.reporterId)) : undefined,
    query.teamId ? eq(tickets.teamId, query.teamId) : undefined,
    query.categoryId ? eq(tickets.categoryId, query.categoryId) : undefined,
    query.tag ? arrayContains(tickets.tags, query.tag) : undefined,
    query.createdFrom ? gte(tickets.createdAt, query.createdFrom) : undefined,
    query.createdTo ? lt(tickets.createdAt, query.createdTo) : undefined,
    query.updatedFrom ? gte(tickets.updatedAt, query.updatedFrom) : undefined,
    query.updatedTo ? lt(tickets.updatedAt, query.updatedTo) : undefined,
    query.dueBefore ? lt(tickets.dueAt, query.dueBefore) : undefined,
  ];
}
