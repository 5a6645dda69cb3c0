import { and, eq, getTableColumns, isNull, or, type Placeholder, type SQL, sql } from "drizzle-orm";
import type { Database } from "../../db/database.ts";
import { preparedOnce } from "../../db/prepared.ts";
import { teamMembers, tickets } from "../../db/schema.ts";
import type { Actor } from "../../lib/actor.ts";
import { NotFoundError } from "../../lib/errors.ts";

const { search: _search, ...columns } = getTableColumns(tickets);
/** Every column but the generated `search` tsvector, which only the database itself reads. */
export const ticketColumns = columns;
export type TicketRow = Omit<typeof tickets.$inferSelect, "search">;
type Reader = Pick<Database, "select">;

/**
 * Which tickets a caller may see, as one SQL condition (so lists, counts and single reads agree):
 * admins all; managers the teams they lead; developers the teams they belong to; everyone the
 * tickets they reported or are assigned.
 */
export function visibleTickets(actor: { userId: string | Placeholder; role: Actor["role"] }): SQL {
  const parts = visibilityOf(actor);
  if (parts === "everything") return sql`true`;
  if (!("teams" in parts)) return parts.reported;
  const own = or(parts.reported, parts.assigned) as SQL;
  return or(own, sql`${tickets.teamId} in (${parts.teams})`) as SQL;
}

/**
 * The same rule in its parts, for a query that reads each through its own index (the newest
 * matches of a search, list.ts): the tickets the caller reported, those assigned to them, and
 * the teams (a subquery of team ids) whose tickets the caller sees. Reporters see only the first.
 */
export function visibilityOf(actor: {
  userId: string | Placeholder;
  role: Actor["role"];
}): "everything" | { reported: SQL } | { reported: SQL; assigned: SQL; teams: SQL } {
  if (actor.role === "admin") return "everything";
  const reported = eq(tickets.reporterId, actor.userId);
  if (actor.role === "reporter") return { reported };
  const teamRole = actor.role === "manager" ? sql` and ${teamMembers.role} = 'lead'` : sql``;
  const teams = sql`select ${teamMembers.teamId} from ${teamMembers} where ${teamMembers.userId} = ${actor.userId}${teamRole}`;
  return { reported, assigned: eq(tickets.assigneeId, actor.userId), teams };
}

/** Soft-deleted tickets are seen only by those who can restore them. */
export function canSeeDeleted(actor: Pick<Actor, "role">): boolean {
  return actor.role === "admin" || actor.role === "manager";
}

/**
 * Loads a ticket the caller may see, or throws the same 404 as for a missing one: another team's
 * ticket must be indistinguishable from no ticket. Pass `tx` and `forUpdate` inside a transaction.
 */
export async function loadVisibleTicket(
  db: Reader,
  actor: Pick<Actor, "userId" | "role">,
  id: string,
  options: { includeDeleted?: boolean; forUpdate?: boolean } = {},
): Promise<TicketRow> {
  const withDeleted = options.includeDeleted === true && canSeeDeleted(actor);
  const [row] = options.forUpdate
    ? await selectVisible(db, actor, id, withDeleted).for("update", { of: tickets })
    : await preparedOnce(db, `visible-ticket:${actor.role}:${withDeleted}`, () =>
        selectVisible(
          db,
          { userId: sql.placeholder("userId"), role: actor.role },
          sql.placeholder("id"),
          withDeleted,
        )
          // The name is only a label: postgres.js prepares by SQL text, which this shape fixes.
          .prepare("visible_ticket"),
      ).execute({ id, userId: actor.userId });
  if (!row) throw ticketNotFound();
  return row;
}

type Viewer = Parameters<typeof visibleTickets>[0];

function selectVisible(db: Reader, viewer: Viewer, id: string | Placeholder, withDeleted: boolean) {
  const notDeleted = withDeleted ? undefined : isNull(tickets.deletedAt);
  return db
    .select(ticketColumns)
    .from(tickets)
    .where(and(eq(tickets.id, id), visibleTickets(viewer), notDeleted))
    .limit(1);
}

export function ticketNotFound(): NotFoundError {
  return new NotFoundError("No such ticket.", "ticket_not_found");
}

/** Teams the caller leads: where a manager may assign, delete and restore. */
export async function teamsLedBy(db: Reader, userId: string): Promise<Set<string>> {
  const rows = await db
    .select({ teamId: teamMembers.teamId })
    .from(teamMembers)
    .where(and(eq(teamMembers.userId, userId), eq(teamMembers.role, "lead")));
  return new Set(rows.map((row) => row.teamId));
}

export function ticketKey(number: number): string {
  return `TIX-${number}`;
}
