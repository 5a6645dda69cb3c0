import { and, eq } from "drizzle-orm";
import type { Database } from "../../db/database.ts";
import { teamMembers, teams } from "../../db/schema.ts";
import type { Actor } from "../../lib/actor.ts";
import { ForbiddenError, NotFoundError, PreconditionFailedError } from "../../lib/errors.ts";
import type { Team } from "./schemas.ts";

type Reader = Pick<Database, "select">;
export type TeamRow = typeof teams.$inferSelect;

export const TEAMS_CACHE = "teams";
export const TEAMS_CACHE_TTL_SECONDS = 300;

export function toTeam(row: TeamRow): Team {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    version: row.version,
  };
}

export function teamNotFound(): NotFoundError {
  return new NotFoundError("No such team.", "team_not_found");
}

/** Admins and managers see every team; developers and reporters the teams they belong to. */
export function seesAllTeams(actor: Pick<Actor, "role">): boolean {
  return actor.role === "admin" || actor.role === "manager";
}

export async function teamRoleOf(db: Reader, teamId: string, userId: string) {
  const [row] = await db
    .select({ role: teamMembers.role })
    .from(teamMembers)
    .where(and(eq(teamMembers.teamId, teamId), eq(teamMembers.userId, userId)))
    .limit(1);
  return row?.role;
}

/** Locks the team row for a write, or 404. */
export async function lockTeam(db: Reader, id: string): Promise<TeamRow> {
  const [row] = await db.select().from(teams).where(eq(teams.id, id)).for("update");
  if (!row) throw teamNotFound();
  return row;
}

/** Admins manage every team; a manager only the teams they lead (the team is visible, so 403). */
export async function assertManages(db: Reader, actor: Actor, teamId: string): Promise<void> {
  if (actor.role === "admin") return;
  if (actor.role === "manager" && (await teamRoleOf(db, teamId, actor.userId)) === "lead") return;
  throw new ForbiddenError("Only an admin or a lead of this team may manage it.", "not_team_lead");
}

export function assertVersion(row: { version: number }, expected: number | undefined, what: string): void {
  if (expected !== undefined && row.version !== expected) {
    throw new PreconditionFailedError(`The ${what} changed since you read it.`, {
      currentVersion: row.version,
    });
  }
}
