import {
  and,
  arrayContains,
  count,
  eq,
  gte,
  inArray,
  isNull,
  lt,
  not,
  type SQL,
  Subquery,
  sql,
} from "drizzle-orm";
import type { Database } from "../../db/database.ts";
import { plannedPerRun } from "../../db/plan-per-run.ts";
import { tickets } from "../../db/schema.ts";
import type { Deps } from "../../deps.ts";
import type { Actor } from "../../lib/actor.ts";
import { encodeCursor } from "../../lib/cursor.ts";
import { attachmentCountOf } from "../attachments/queries.ts";
import { ticketColumns, visibilityOf, visibleTickets } from "./access.ts";
import type { TicketListQuery } from "./list-schemas.ts";
import { orderingFor } from "./ordering.ts";
import { toTicket } from "./presenter.ts";

/**
 * One page of the tickets the caller may see, in one statement (plus one for `count=true`),
 * whatever the page size. Keyset pagination over (sort key, id); see ordering.ts.
 */
export async function listTickets(deps: Deps, actor: Actor, query: TicketListQuery) {
  const { statement, scope, candidates, ordering } = listStatement(deps.db, actor, query);
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
  const counted = candidates
    ? deps.db.select({ value: count() }).from(candidates)
    : deps.db.select({ value: count() }).from(tickets).where(scope);
  const [total] = await counted;
  return { data, nextCursor, total: total?.value ?? 0 };
}

/**
 * How many matches a relevance search ranks: the newest ones. Ranking every match of a common
 * word cost a read of each matching row (250k at 1M tickets); the newest 1,000 are found by
 * walking the created indexes (or, for a rare word, through the GIN index), whatever the table's
 * size. GitHub's search API caps its results at 1,000 the same way. `sort` with `q` pages
 * through every match.
 */
export const RELEVANCE_CANDIDATES = 1000;

/** The page query, unexecuted (tests EXPLAIN it to prove which index serves each order). */
export function listStatement(db: Database, actor: Actor, query: TicketListQuery) {
  const tsQuery =
    query.q === undefined ? undefined : plannedPerRun(sql`websearch_to_tsquery('english', ${query.q})`);
  const ordering = orderingFor(query.sort, tsQuery);
  const filters = and(...filtersOf(actor, query));
  const scope = and(
    visibleTickets(actor),
    filters,
    tsQuery ? sql`${tickets.search} @@ ${tsQuery}` : undefined,
  );
  const after = query.cursor ? ordering.after(query.cursor) : undefined;
  const candidates =
    ordering.name === "relevance" && tsQuery ? newestMatches(db, actor, filters, tsQuery) : undefined;
  const statement = db
    .select({
      ...ticketColumns,
      cursorKey: ordering.cursorKey,
      attachmentCount: attachmentCountOf(actor),
    })
    .from(candidates ?? tickets)
    .where(candidates ? after : and(scope, after))
    .orderBy(...ordering.orderBy)
    .limit(query.limit + 1);
  return { statement, scope, candidates, ordering };
}

const newestFirst = [sql`${tickets.createdAt} desc nulls last`, sql`${tickets.id} desc`];
/**
 * The same order (created_at is NOT NULL), but one no index yields: the tickets assigned to the
 * caller are then read through the assignee index and sorted. Blind to how many of them a
 * per-row match keeps, the planner otherwise walked tickets_created_idx through the whole table
 * for a caller owning many (650 ms at 1M for 67k own tickets and a word in none).
 */
const ownNewestFirst = [sql`${tickets.createdAt} desc nulls first`, sql`${tickets.id} desc`];

/**
 * The newest matches the caller may see, as a subquery aliased `tickets`, so the ordering's and
 * the columns' SQL (which name tickets.*) read from it unchanged; it keeps `search` for ts_rank.
 * Staff see their teams' tickets and their own: as one OR, the newest matches were found by
 * walking every team's tickets (a manager of 2 teams in 20 read 39k rows at 1M for a word in a
 * quarter of them); here each team is walked on its own index (tickets_team_created_idx) and
 * the caller's own tickets outside those teams on theirs, and the newest of those are kept.
 */
function newestMatches(
  db: Database,
  actor: Actor,
  filters: SQL | undefined,
  tsQuery: SQL,
): Subquery<"tickets"> {
  const newest = (where: SQL | undefined, match: SQL, order = newestFirst) =>
    db
      .select()
      .from(tickets)
      .where(and(where, filters, match))
      .orderBy(...order)
      .limit(RELEVANCE_CANDIDATES);
  // Where the index can serve: the planner picks GIN for a rare word, a newest-first walk for a
  // common one (tickets_created_idx, tickets_team_created_idx).
  const indexed = sql`${tickets.search} @@ ${tsQuery}`;
  // The caller's own tickets are matched row by row, never through GIN: ANDed with the reporter
  // and assignee indexes, the planner costs the GIN bitmap of a common word far below what it
  // takes (all 250k matches at 1M tickets, ~28 ms, for a caller owning a handful); reading the
  // caller's own tickets costs what the caller owns, whatever the table's size.
  const perRow = sql`ts_match_vq(${tickets.search}, ${tsQuery})`;
  const visible = visibilityOf(actor);
  if (visible === "everything") return newest(undefined, indexed).as("tickets");
  // Walked newest first on tickets_reporter_created_idx, it stops at the 1,000th match.
  if (!("teams" in visible)) return newest(visible.reported, perRow).as("tickets");
  const { reported, assigned, teams } = visible;
  const ofMyTeams = sql`select team_matches.* from (${teams}) as my_teams (team_id)
    cross join lateral (${newest(sql`${tickets.teamId} = my_teams.team_id`, indexed)}) as team_matches`;
  // The caller's own tickets outside those teams, in two parts disjoint from each other and from
  // the teams' part, so nothing is counted twice: those they reported (walked as a reporter's
  // are), and those only assigned to them (no index has them by date: read, then sorted).
  const elsewhere = sql`(${tickets.teamId} is null or ${tickets.teamId} not in (${teams}))`;
  const reportedElsewhere = newest(and(reported, elsewhere), perRow);
  const assignedElsewhere = newest(and(assigned, not(reported), elsewhere), perRow, ownNewestFirst);
  const merged = sql`select * from (${ofMyTeams} union all (${reportedElsewhere})
    union all (${assignedElsewhere})) as tickets
    order by ${sql.join(newestFirst, sql`, `)} limit ${RELEVANCE_CANDIDATES}`;
  // What `.as()` makes of a query builder; a union of a lateral join has no builder of its own.
  return new Subquery(merged, {}, "tickets");
}

function filtersOf(actor: Actor, query: TicketListQuery): (SQL | undefined)[] {
  const userOf = (value: string) => (value === "me" ? actor.userId : value);
  return [
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
    // Like a searched word, a tag may be on one ticket or on a tenth of them: plan with its value.
    query.tag ? plannedPerRun(arrayContains(tickets.tags, query.tag)) : undefined,
    query.createdFrom ? gte(tickets.createdAt, query.createdFrom) : undefined,
    query.createdTo ? lt(tickets.createdAt, query.createdTo) : undefined,
    query.updatedFrom ? gte(tickets.updatedAt, query.updatedFrom) : undefined,
    query.updatedTo ? lt(tickets.updatedAt, query.updatedTo) : undefined,
    query.dueBefore ? lt(tickets.dueAt, query.dueBefore) : undefined,
  ];
}
