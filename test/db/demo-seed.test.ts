import { and, eq, isNull, sql } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  assignmentHistory,
  auditLog,
  categories,
  developerProfiles,
  developerSkills,
  teamMembers,
  teams,
  ticketComments,
  tickets,
  users,
} from "../../src/db/schema.ts";
import { type DemoCounts, demoWanted, seedDemo } from "../../src/db/seed/demo.ts";
import { DEMO_PASSWORD, DEMO_PEOPLE, demoEmail } from "../../src/db/seed/demo-cast.ts";
import { NewPassword } from "../../src/features/auth/password-policy.ts";
import { visibleTickets } from "../../src/features/tickets/access.ts";
import { login } from "../support/factories.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";

// The demo is one organisation per database: this file seeds its own fresh one, once.
let ctx: TestContext;
let counts: DemoCounts;
let seedMs: number;
beforeAll(async () => {
  ctx = await createTestContext({ env: { TRUST_PROXY: "true" } });
  const startedAt = performance.now();
  const first = await seedDemo(ctx.deps.db, ctx.deps.passwords);
  seedMs = performance.now() - startedAt;
  if (first.outcome !== "created") throw new Error("the demo was not created on a fresh database");
  counts = first.counts;
});
afterAll(() => ctx.close());

async function rowsIn(table: PgTable): Promise<number> {
  const [row] = await ctx.deps.db.select({ n: sql<number>`count(*)::int` }).from(table);
  return row?.n ?? 0;
}

async function tableCounts(): Promise<DemoCounts> {
  return {
    users: await rowsIn(users),
    teams: await rowsIn(teams),
    teamMembers: await rowsIn(teamMembers),
    categories: await rowsIn(categories),
    developerProfiles: await rowsIn(developerProfiles),
    developerSkills: await rowsIn(developerSkills),
    tickets: await rowsIn(tickets),
    comments: await rowsIn(ticketComments),
    assignmentHistory: await rowsIn(assignmentHistory),
    auditRows: await rowsIn(auditLog),
  };
}

const demoUser = async (role: "manager" | "developer" | "reporter") => {
  const person = DEMO_PEOPLE.find((candidate) => candidate.role === role);
  const [row] = await ctx.deps.db
    .select()
    .from(users)
    .where(eq(users.email, demoEmail(person?.name ?? "")));
  if (!row) throw new Error(`no demo ${role}`);
  return row;
};

describe("the demo seed", () => {
  it("creates a realistic organisation once, quickly; a second run adds nothing", async () => {
    expect(counts).toMatchObject({
      users: 21,
      teams: 4,
      categories: 12,
      developerProfiles: 10,
      tickets: 300,
    });
    expect(counts.comments).toBeGreaterThan(300);
    expect(counts.assignmentHistory).toBeGreaterThan(200);
    expect(await tableCounts()).toEqual(counts);
    expect(seedMs).toBeLessThan(15_000);

    expect(await seedDemo(ctx.deps.db, ctx.deps.passwords)).toEqual({ outcome: "already_present" });
    expect(await tableCounts()).toEqual(counts);
  });

  it("has 3 managers leading every team, developers with profiles, reporters, and nested categories", async () => {
    const byRole = await ctx.deps.db
      .select({ role: users.role, n: sql<number>`count(*)::int` })
      .from(users)
      .groupBy(users.role);
    expect(Object.fromEntries(byRole.map((row) => [row.role, row.n]))).toEqual({
      manager: 3,
      developer: 10,
      reporter: 8,
    });
    const leads = await ctx.deps.db.select().from(teamMembers).where(eq(teamMembers.role, "lead"));
    expect(new Set(leads.map((lead) => lead.teamId)).size).toBe(4);
    const nested = await ctx.deps.db.select().from(categories).where(sql`${categories.parentId} is not null`);
    expect(nested.length).toBeGreaterThan(3);
    const withoutTeam = await ctx.deps.db.select().from(categories).where(isNull(categories.defaultTeamId));
    expect(withoutTeam).toHaveLength(0);
  });

  it("covers every status and priority; assignees are developers of the ticket's team, under capacity", async () => {
    const statuses = await ctx.deps.db.selectDistinct({ status: tickets.status }).from(tickets);
    expect(statuses.map((row) => row.status).sort()).toEqual([
      "blocked",
      "closed",
      "in_progress",
      "open",
      "resolved",
    ]);
    const priorities = await ctx.deps.db.selectDistinct({ priority: tickets.priority }).from(tickets);
    expect(priorities).toHaveLength(4);

    const outsiders = await ctx.deps.db
      .select({ id: tickets.id })
      .from(tickets)
      .where(
        sql`${tickets.assigneeId} is not null and not exists (select 1 from ${teamMembers} where ${teamMembers.teamId} = ${tickets.teamId} and ${teamMembers.userId} = ${tickets.assigneeId} and ${teamMembers.role} = 'member')`,
      );
    expect(outsiders).toHaveLength(0);
    const unassignedWork = await ctx.deps.db
      .select({ id: tickets.id })
      .from(tickets)
      .where(sql`${tickets.assigneeId} is null and ${tickets.status} <> 'open'`);
    expect(unassignedWork).toHaveLength(0);

    const overloaded = await ctx.deps.db
      .select({ userId: developerProfiles.userId })
      .from(developerProfiles)
      .where(
        sql`${developerProfiles.capacity} < (select count(*) from ${tickets} where ${tickets.assigneeId} = ${developerProfiles.userId} and ${tickets.status} in ('open', 'in_progress', 'blocked') and ${tickets.deletedAt} is null)`,
      );
    expect(overloaded).toHaveLength(0);
  });

  it("keeps assignment history consistent with the assignees", async () => {
    const mismatched = await ctx.deps.db
      .select({ id: tickets.id })
      .from(tickets)
      .where(
        sql`${tickets.assigneeId} is distinct from (select ${assignmentHistory.assigneeId} from ${assignmentHistory} where ${assignmentHistory.ticketId} = ${tickets.id} order by ${assignmentHistory.createdAt} desc, ${assignmentHistory.id} desc limit 1)`,
      );
    expect(mismatched).toHaveLength(0);
  });

  it("writes comments of both visibilities, reporters only public ones", async () => {
    const byVisibility = await ctx.deps.db
      .selectDistinct({ visibility: ticketComments.visibility })
      .from(ticketComments);
    expect(byVisibility).toHaveLength(2);
    const internalByReporters = await ctx.deps.db
      .select({ id: ticketComments.id })
      .from(ticketComments)
      .innerJoin(users, eq(users.id, ticketComments.authorId))
      .where(and(eq(ticketComments.visibility, "internal"), eq(users.role, "reporter")));
    expect(internalByReporters).toHaveLength(0);
  });

  it("writes audit rows for what it created, without password hashes", async () => {
    const created = await ctx.deps.db
      .select({ n: sql<number>`count(*)::int` })
      .from(auditLog)
      .where(eq(auditLog.action, "ticket.created"));
    expect(created[0]?.n).toBe(300);
    const [first] = await ctx.deps.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.action, "ticket.created"))
      .orderBy(auditLog.createdAt)
      .limit(1);
    expect((first?.after as { key?: string } | undefined)?.key).toMatch(/^TIX-\d+$/);
    const text = JSON.stringify(await ctx.deps.db.select().from(auditLog));
    expect(text).not.toMatch(/argon2|password_?hash/i);
  });

  it("lets a demo reporter sign in with the documented password and see only their tickets", async () => {
    expect(NewPassword.safeParse(DEMO_PASSWORD).success).toBe(true);
    const reporter = await demoUser("reporter");
    const session = await login(ctx, { email: reporter.email, password: DEMO_PASSWORD });

    const own = await ctx.deps.db
      .select({ id: tickets.id })
      .from(tickets)
      .where(and(eq(tickets.reporterId, reporter.id), isNull(tickets.deletedAt)));
    expect(own.length).toBeGreaterThan(0);
    const visible = await ctx.deps.db
      .select({ id: tickets.id, reporterId: tickets.reporterId })
      .from(tickets)
      .where(and(visibleTickets({ userId: reporter.id, role: "reporter" }), isNull(tickets.deletedAt)));
    expect(visible.map((row) => row.id).sort()).toEqual(own.map((row) => row.id).sort());

    const seen: { reporterId: string }[] = [];
    let cursor: string | null = null;
    do {
      const response: Response = await ctx.app.request(
        `/v1/tickets?limit=100${cursor ? `&cursor=${cursor}` : ""}`,
        { headers: session.headers },
      );
      expect(response.status).toBe(200);
      const page = (await response.json()) as { data: { reporterId: string }[]; nextCursor: string | null };
      seen.push(...page.data);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(own.length);
    expect(seen.every((ticket) => ticket.reporterId === reporter.id)).toBe(true);
  });

  it.each([
    "priya.natarajan@demo.tixgenius.local",
    "jonas.weber@demo.tixgenius.local",
    "emma.clarke@demo.tixgenius.local",
  ])("signs in the README's demo login %s", async (email) => {
    await expect(login(ctx, { email, password: DEMO_PASSWORD })).resolves.toBeDefined();
  });
});

describe("when the demo is seeded", () => {
  it.each([
    ["development", undefined, true],
    ["test", undefined, true],
    ["staging", undefined, false],
    ["production", undefined, false],
    ["production", "true", true],
    ["development", "false", false],
  ])("NODE_ENV=%s SEED_DEMO=%s → %s", (nodeEnv, seedDemo, expected) => {
    expect(demoWanted(nodeEnv, seedDemo)).toBe(expected);
  });

  it("refuses an unclear SEED_DEMO instead of guessing", () => {
    expect(() => demoWanted("production", "yes")).toThrow(/SEED_DEMO/);
  });
});
