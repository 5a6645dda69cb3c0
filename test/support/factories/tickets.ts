import { randomBytes } from "node:crypto";
import { categories, teamMembers, teams, tickets } from "../../../src/db/schema.ts";
import type { Ticket } from "../../../src/features/tickets/schemas.ts";
import type { Role } from "../../../src/features/users/schemas.ts";
import { jsonRequest, type Session, signedIn, type TestUser } from "../factories.ts";
import type { TestContext } from "../test-context.ts";

const suffix = () => randomBytes(4).toString("hex");

/** A team with the given leads and members, inserted directly. */
export async function createTeam(
  ctx: TestContext,
  people: { leads?: string[]; members?: string[] } = {},
): Promise<{ id: string }> {
  const [team] = await ctx.deps.db
    .insert(teams)
    .values({ name: `Team ${suffix()}` })
    .returning({ id: teams.id });
  if (!team) throw new Error("insert returned nothing");
  const rows = [
    ...(people.leads ?? []).map((userId) => ({ teamId: team.id, userId, role: "lead" as const })),
    ...(people.members ?? []).map((userId) => ({ teamId: team.id, userId, role: "member" as const })),
  ];
  if (rows.length > 0) await ctx.deps.db.insert(teamMembers).values(rows);
  return team;
}

export async function createCategory(
  ctx: TestContext,
  overrides: { defaultTeamId?: string | null } = {},
): Promise<{ id: string }> {
  const [category] = await ctx.deps.db
    .insert(categories)
    .values({ name: `Category ${suffix()}`, defaultTeamId: overrides.defaultTeamId ?? null })
    .returning({ id: categories.id });
  if (!category) throw new Error("insert returned nothing");
  return category;
}

export interface Person {
  user: TestUser;
  session: Session;
}

/**
 * The cast most ticket tests need: an admin; team A with its manager (lead) and a developer;
 * team B with its own manager and developer; two reporters; a category routed to team A.
 */
export async function ticketWorld(ctx: TestContext) {
  const people = async (...roles: Role[]) => Promise.all(roles.map((role) => signedIn(ctx, role)));
  const [admin, managerA, developerA, managerB, developerB, reporter, otherReporter] = (await people(
    "admin",
    "manager",
    "developer",
    "manager",
    "developer",
    "reporter",
    "reporter",
  )) as [Person, Person, Person, Person, Person, Person, Person];
  const teamA = await createTeam(ctx, { leads: [managerA.user.id], members: [developerA.user.id] });
  const teamB = await createTeam(ctx, { leads: [managerB.user.id], members: [developerB.user.id] });
  const categoryA = await createCategory(ctx, { defaultTeamId: teamA.id });
  return {
    admin,
    managerA,
    developerA,
    managerB,
    developerB,
    reporter,
    otherReporter,
    teamA,
    teamB,
    categoryA,
  };
}

/** Reports a ticket through the API and returns it (fails the test on anything but 201). */
export async function reportTicket(
  ctx: TestContext,
  session: Session,
  body: Record<string, unknown> = {},
): Promise<Ticket> {
  const response = await ctx.app.request(
    "/v1/tickets",
    jsonRequest("POST", { title: `Ticket ${suffix()}`, ...body }, session.headers),
  );
  if (response.status !== 201) throw new Error(`create failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as Ticket;
}

/** Inserts a ticket directly, for bulk data and states the API reaches only in several steps. */
export async function insertTicket(
  ctx: TestContext,
  values: Partial<typeof tickets.$inferInsert> & { reporterId: string },
): Promise<{ id: string; number: number }> {
  const [row] = await ctx.deps.db
    .insert(tickets)
    .values({ title: `Inserted ${suffix()}`, ...values })
    .returning({ id: tickets.id, number: tickets.number });
  if (!row) throw new Error("insert returned nothing");
  return row;
}

export function patchTicket(
  ctx: TestContext,
  session: Session,
  id: string,
  body: unknown,
  headers: Record<string, string> = {},
) {
  return ctx.app.request(`/v1/tickets/${id}`, jsonRequest("PATCH", body, { ...session.headers, ...headers }));
}

export function getTicket(ctx: TestContext, session: Session, id: string) {
  return ctx.app.request(`/v1/tickets/${id}`, { headers: session.headers });
}

/** A problem body without what differs between any two responses. */
export function stableProblem(body: Record<string, unknown>) {
  const { requestId: _requestId, instance: _instance, ...rest } = body;
  return rest;
}
