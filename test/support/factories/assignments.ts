import { eq } from "drizzle-orm";
import {
  assignmentHistory,
  developerProfiles,
  developerSkills,
  teamMembers,
} from "../../../src/db/schema.ts";
import { jsonRequest, type Session, signedIn, type TestUser } from "../factories.ts";
import type { TestContext } from "../test-context.ts";

export interface DeveloperSetup {
  teamId?: string;
  teamRole?: "lead" | "member";
  capacity?: number;
  availability?: "available" | "away" | "offline";
  lastAssignedAt?: Date | null;
  /** categoryId → level 1..5 */
  skills?: Record<string, number>;
  name?: string;
  /** Skip the profile row: the developer then counts with the default profile. */
  withoutProfile?: boolean;
}

/** A signed-in developer with a profile, skills and (optionally) a team membership. */
export async function createDeveloper(
  ctx: TestContext,
  setup: DeveloperSetup = {},
): Promise<{ user: TestUser; session: Session }> {
  const developer = await signedIn(ctx, "developer");
  const db = ctx.deps.db;
  if (!setup.withoutProfile) {
    await db.insert(developerProfiles).values({
      userId: developer.user.id,
      capacity: setup.capacity ?? 5,
      availability: setup.availability ?? "available",
      lastAssignedAt: setup.lastAssignedAt ?? null,
    });
    const skills = Object.entries(setup.skills ?? {});
    if (skills.length > 0) {
      await db
        .insert(developerSkills)
        .values(skills.map(([categoryId, level]) => ({ userId: developer.user.id, categoryId, level })));
    }
  }
  if (setup.teamId) {
    await db
      .insert(teamMembers)
      .values({ teamId: setup.teamId, userId: developer.user.id, role: setup.teamRole ?? "member" });
  }
  return developer;
}

export function assign(
  ctx: TestContext,
  session: Session,
  ticketId: string,
  body: unknown,
  headers: Record<string, string> = {},
) {
  return ctx.app.request(
    `/v1/tickets/${ticketId}/assignment`,
    jsonRequest("POST", body, { ...session.headers, ...headers }),
  );
}

export function unassign(
  ctx: TestContext,
  session: Session,
  ticketId: string,
  headers: Record<string, string> = {},
) {
  return ctx.app.request(`/v1/tickets/${ticketId}/assignment`, {
    method: "DELETE",
    headers: { ...session.headers, ...headers },
  });
}

export function suggestions(ctx: TestContext, session: Session, ticketId: string) {
  return ctx.app.request(`/v1/tickets/${ticketId}/assignment/suggestions`, { headers: session.headers });
}

export function history(ctx: TestContext, session: Session, ticketId: string, query = "") {
  return ctx.app.request(`/v1/tickets/${ticketId}/assignment/history${query}`, { headers: session.headers });
}

export function historyRowsOf(ctx: TestContext, ticketId: string) {
  return ctx.deps.db
    .select()
    .from(assignmentHistory)
    .where(eq(assignmentHistory.ticketId, ticketId))
    .orderBy(assignmentHistory.id);
}
