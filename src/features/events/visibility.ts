import { and, eq, inArray, isNull, or, type SQL, sql } from "drizzle-orm";
import type { Auth } from "../../app-env.ts";
import type { Database } from "../../db/database.ts";
import { events, teamMembers, tickets, users } from "../../db/schema.ts";
import { canSeeDeleted } from "../tickets/access.ts";
import type { EventEnvelope } from "./channels.ts";

type Reader = Pick<Database, "select">;

/**
 * Who is watching, as far as event visibility goes: the role and the teams whose events the
 * viewer sees (the teams a manager leads, the teams a developer belongs to; none otherwise).
 */
export interface Viewer {
  userId: string;
  role: Auth["role"];
  teamIds: readonly string[];
}

export interface EventFilters {
  teamId?: string | undefined;
  ticketId?: string | undefined;
}

/** The caller's view, for a request that already checked the user is active. */
export async function viewerOf(db: Reader, auth: Pick<Auth, "userId" | "role">): Promise<Viewer> {
  return { userId: auth.userId, role: auth.role, teamIds: await visibleTeamIds(db, auth) };
}

/**
 * The viewer as the database says now, or null when the user is gone or disabled. An open stream
 * compares it with the view it started with: any difference ends the stream.
 */
export async function currentViewer(db: Reader, userId: string): Promise<Viewer | null> {
  const [user] = await db
    .select({ role: users.role, status: users.status })
    .from(users)
    .where(eq(users.id, userId))
    .limit(1);
  if (user?.status !== "active") return null;
  return viewerOf(db, { userId, role: user.role });
}

export function sameView(a: Viewer, b: Viewer): boolean {
  const teams = (viewer: Viewer) => [...viewer.teamIds].sort().join(",");
  return a.role === b.role && teams(a) === teams(b);
}

async function visibleTeamIds(db: Reader, auth: Pick<Auth, "userId" | "role">): Promise<string[]> {
  if (auth.role !== "manager" && auth.role !== "developer") return [];
  const leadsOnly = auth.role === "manager" ? eq(teamMembers.role, "lead") : undefined;
  const rows = await db
    .select({ teamId: teamMembers.teamId })
    .from(teamMembers)
    .where(and(eq(teamMembers.userId, auth.userId), leadsOnly));
  return rows.map((row) => row.teamId);
}

/**
 * The live rule, decided from the snapshot on the event (the ticket's team, reporter and assignee
 * after the change): admins everything; reporters their own tickets' public events only; managers
 * and developers their teams' events plus the tickets they reported or are assigned.
 * `visibleEvents` is the same rule in SQL; keep the two together.
 */
export function canSee(
  viewer: Viewer,
  event: Pick<EventEnvelope, "teamId" | "reporterId" | "assigneeId" | "recipientId" | "visibility">,
) {
  // A user's own event (a notification) is theirs alone, whatever anyone's role.
  if (event.recipientId) return event.recipientId === viewer.userId;
  if (viewer.role === "admin") return true;
  if (viewer.role === "reporter") return event.reporterId === viewer.userId && event.visibility === "public";
  if (event.reporterId === viewer.userId || event.assigneeId === viewer.userId) return true;
  return event.teamId !== null && viewer.teamIds.includes(event.teamId);
}

/**
 * `canSee` as one SQL condition over the events table, for replay, history and the live stream
 * (which reads the table too). Also applies what no envelope can know: a ticket deleted since its
 * events were written. Only those who may see deleted tickets (admins, managers: canSeeDeleted)
 * keep its events; everyone else keeps only the `ticket.deleted` tombstone, whose payload is just
 * the ticket's id, key, version and deletedAt, so a client can drop its copy. A restore brings the
 * events back, since nothing was removed from the table.
 */
export function visibleEvents(viewer: Viewer): SQL {
  const ownOrShared = or(isNull(events.recipientId), eq(events.recipientId, viewer.userId)) as SQL;
  return and(ownOrShared, visibleSharedEvents(viewer)) as SQL;
}

function visibleSharedEvents(viewer: Viewer): SQL {
  if (viewer.role === "admin") return sql`true`;
  const notDeleted = or(
    eq(events.type, "ticket.deleted"),
    sql`not exists (select 1 from ${tickets} where ${tickets.id} = ${events.ticketId} and ${tickets.deletedAt} is not null)`,
  ) as SQL;
  if (viewer.role === "reporter")
    return and(eq(events.reporterId, viewer.userId), eq(events.visibility, "public"), notDeleted) as SQL;
  const conditions = [eq(events.reporterId, viewer.userId), eq(events.assigneeId, viewer.userId)];
  if (viewer.teamIds.length > 0) conditions.push(inArray(events.teamId, [...viewer.teamIds]));
  const visible = or(...conditions) as SQL;
  return canSeeDeleted(viewer) ? visible : (and(visible, notDeleted) as SQL);
}

export function matchesFilters(filters: EventFilters, event: Pick<EventEnvelope, "teamId" | "ticketId">) {
  if (filters.teamId && event.teamId !== filters.teamId) return false;
  return !(filters.ticketId && event.ticketId !== filters.ticketId);
}

/** Filters narrow what the viewer may see; they never widen it. */
export function filterConditions(filters: EventFilters): SQL[] {
  const conditions: SQL[] = [];
  if (filters.teamId) conditions.push(eq(events.teamId, filters.teamId));
  if (filters.ticketId) conditions.push(eq(events.ticketId, filters.ticketId));
  return conditions;
}
