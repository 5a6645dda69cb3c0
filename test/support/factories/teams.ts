import { randomBytes } from "node:crypto";
import { and, asc, eq } from "drizzle-orm";
import { auditLog, teamMembers, teams, tickets } from "../../../src/db/schema.ts";
import { createUser, jsonRequest, type Session } from "../factories.ts";
import type { TestContext } from "../test-context.ts";

export interface TestTeam {
  id: string;
  name: string;
  description: string;
  version: number;
}

export function uniqueName(label = "Team"): string {
  return `${label} ${randomBytes(5).toString("hex")}`;
}

/** Creates a team through the API as `session` (an admin or a manager). */
export async function createTeamAs(
  ctx: TestContext,
  session: Session,
  overrides: { name?: string; description?: string } = {},
): Promise<TestTeam> {
  const response = await ctx.app.request(
    "/v1/teams",
    jsonRequest("POST", { name: overrides.name ?? uniqueName(), ...overrides }, session.headers),
  );
  if (response.status !== 201) throw new Error(`team failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as TestTeam;
}

/** Inserts a team directly, optionally with members. */
export async function insertTeam(
  ctx: TestContext,
  members: { userId: string; role?: "lead" | "member" }[] = [],
): Promise<TestTeam> {
  const [row] = await ctx.deps.db.insert(teams).values({ name: uniqueName() }).returning();
  if (!row) throw new Error("insert returned nothing");
  for (const member of members) await addMember(ctx, row.id, member.userId, member.role);
  return { id: row.id, name: row.name, description: row.description, version: row.version };
}

export async function addMember(
  ctx: TestContext,
  teamId: string,
  userId: string,
  role: "lead" | "member" = "member",
) {
  await ctx.deps.db.insert(teamMembers).values({ teamId, userId, role });
}

/** A ticket straight in the table (the tickets API belongs to another feature). */
export async function insertTicket(
  ctx: TestContext,
  values: Partial<typeof tickets.$inferInsert> & { reporterId?: string } = {},
) {
  const reporterId = values.reporterId ?? (await createUser(ctx)).id;
  const [row] = await ctx.deps.db
    .insert(tickets)
    .values({ title: "A ticket", ...values, reporterId })
    .returning();
  if (!row) throw new Error("insert returned nothing");
  return row;
}

export async function auditRowsOf(ctx: TestContext, entityType: string, entityId: string) {
  return ctx.deps.db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.entityType, entityType), eq(auditLog.entityId, entityId)))
    .orderBy(asc(auditLog.id));
}
