import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { ConfigSchema } from "../../config/schema.ts";
import type { PasswordHasher } from "../../deps.ts";
import type { Database } from "../database.ts";
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
} from "../schema.ts";
import { DEMO_PASSWORD, DEMO_TEAMS, demoEmail } from "./demo-cast.ts";
import { planOrg } from "./demo-org.ts";
import { planTickets } from "./demo-tickets.ts";
import { seededRandom } from "./prng.ts";

const DEMO_SEED = 20_260_401;
const BATCH = 200;

export interface DemoCounts {
  users: number;
  teams: number;
  teamMembers: number;
  categories: number;
  developerProfiles: number;
  developerSkills: number;
  tickets: number;
  comments: number;
  assignmentHistory: number;
  auditRows: number;
}

export type DemoOutcome = { outcome: "created"; counts: DemoCounts } | { outcome: "already_present" };

/**
 * Whether `npm run db:seed` adds the demo: always in development and test, never in staging or
 * production unless SEED_DEMO=true says so explicitly; SEED_DEMO=false turns it off anywhere.
 */
export function demoWanted(nodeEnv: string, seedDemo: string | undefined): boolean {
  if (seedDemo !== undefined && seedDemo !== "true" && seedDemo !== "false")
    throw new Error(`SEED_DEMO must be true or false, not "${seedDemo}"`);
  if (seedDemo !== undefined) return seedDemo === "true";
  return nodeEnv === "development" || nodeEnv === "test";
}

/**
 * A realistic, deterministic demo organisation with a few hundred tickets, in one transaction.
 * Idempotent: the demo teams are its marker, so a second run adds nothing.
 */
export async function seedDemo(
  db: Database,
  passwords: PasswordHasher,
  options: { now?: Date } = {},
): Promise<DemoOutcome> {
  const now = options.now ?? new Date();
  const marker = DEMO_TEAMS.map((team) => team.name.toLowerCase());
  const present = await db
    .select({ id: teams.id })
    .from(teams)
    .where(inArray(sql`lower(${teams.name})`, marker))
    .limit(1);
  if (present.length > 0) return { outcome: "already_present" };

  const passwordHash = await passwords.hash(DEMO_PASSWORD);
  const [admin] = await db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.role, "admin"), eq(users.status, "active")))
    .orderBy(asc(users.createdAt))
    .limit(1);
  const random = seededRandom(DEMO_SEED);
  const setUpAt = new Date(now.getTime() - 100 * 86_400_000);
  const org = planOrg(random, setUpAt, admin?.id ?? null);
  const plan = planTickets(random, org, now, ConfigSchema.shape.SLA_POLICY.parse(undefined));

  await db.transaction(async (tx) => {
    await tx.insert(users).values(
      org.users.map((user, index) => {
        const createdAt = new Date(setUpAt.getTime() + index * 60_000);
        const { name, role } = user.person;
        return {
          id: user.id,
          email: demoEmail(name),
          name,
          role,
          passwordHash,
          emailVerifiedAt: createdAt,
          createdAt,
          updatedAt: createdAt,
        };
      }),
    );
    await tx.insert(teams).values(org.teams);
    await tx.insert(teamMembers).values(org.members);
    await tx.insert(categories).values(org.categories);
    await tx.insert(developerProfiles).values(
      org.profiles.map((profile) => ({
        ...profile,
        lastAssignedAt: plan.lastAssignedAt.get(profile.userId) ?? null,
      })),
    );
    await tx.insert(developerSkills).values(org.skills);

    const numberOf = new Map<string, number>();
    for (const batch of chunks(plan.tickets, BATCH)) {
      const inserted = await tx
        .insert(tickets)
        .values(batch)
        .returning({ id: tickets.id, number: tickets.number });
      for (const row of inserted) numberOf.set(row.id, row.number);
    }
    for (const batch of chunks(plan.comments, BATCH)) await tx.insert(ticketComments).values(batch);
    for (const batch of chunks(plan.history, BATCH)) await tx.insert(assignmentHistory).values(batch);

    const audit = [...org.audit, ...plan.audit]
      .map((row) =>
        row.action === "ticket.created"
          ? { ...row, after: { key: `TIX-${numberOf.get(row.entityId)}`, ...(row.after as object) } }
          : row,
      )
      .sort((a, b) => (a.createdAt as Date).getTime() - (b.createdAt as Date).getTime());
    for (const batch of chunks(audit, BATCH)) await tx.insert(auditLog).values(batch);
  });

  return {
    outcome: "created",
    counts: {
      users: org.users.length,
      teams: org.teams.length,
      teamMembers: org.members.length,
      categories: org.categories.length,
      developerProfiles: org.profiles.length,
      developerSkills: org.skills.length,
      tickets: plan.tickets.length,
      comments: plan.comments.length,
      assignmentHistory: plan.history.length,
      auditRows: org.audit.length + plan.audit.length,
    },
  };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}
