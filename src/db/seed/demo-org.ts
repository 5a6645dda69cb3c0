import type {
  auditLog,
  categories,
  developerProfiles,
  developerSkills,
  teamMembers,
  teams,
} from "../schema.ts";
import {
  DEMO_CATEGORIES,
  DEMO_PEOPLE,
  DEMO_TEAMS,
  type DemoPerson,
  demoEmail,
  type TeamName,
} from "./demo-cast.ts";
import type { Random } from "./prng.ts";

export type AuditRow = typeof auditLog.$inferInsert;
/** Seeded rows carry this request id so they are easy to tell apart in the audit log. */
export const SEED_ORIGIN = { requestId: "db-seed-demo", ip: null, userAgent: "npm run db:seed" } as const;

export interface DemoUser {
  id: string;
  person: DemoPerson;
}

export interface DemoOrg {
  users: DemoUser[];
  teams: (typeof teams.$inferInsert & { id: string; name: TeamName })[];
  members: (typeof teamMembers.$inferInsert)[];
  categories: (typeof categories.$inferInsert & { id: string })[];
  profiles: (typeof developerProfiles.$inferInsert)[];
  skills: (typeof developerSkills.$inferInsert)[];
  audit: AuditRow[];
  /** Per team: its lead and its developers (the only possible assignees). */
  staffOf: Map<string, { leadId: string; developerIds: string[] }>;
  /** Per developer: the categories they are skilled in. */
  skillsOf: Map<string, Set<string>>;
}

/** Everyone and everything but tickets; `setUpAt` is when the organisation "was created". */
export function planOrg(random: Random, setUpAt: Date, adminId: string | null): DemoOrg {
  const at = (minutes: number) => new Date(setUpAt.getTime() + minutes * 60_000);
  const actor = { actorId: adminId, actorRole: adminId ? ("admin" as const) : null, ...SEED_ORIGIN };
  const audit: AuditRow[] = [];

  const demoUsers = DEMO_PEOPLE.map((person) => ({ id: random.uuid(), person }));
  for (const [index, user] of demoUsers.entries()) {
    const after = {
      email: demoEmail(user.person.name),
      name: user.person.name,
      role: user.person.role,
      status: "active",
    };
    audit.push({
      ...actor,
      action: "user.created",
      entityType: "user",
      entityId: user.id,
      after,
      createdAt: at(index),
    });
  }

  const teamRows = DEMO_TEAMS.map((team, index) => ({
    id: random.uuid(),
    ...team,
    createdAt: at(60 + index),
    updatedAt: at(60 + index),
  }));
  const teamId = (name: TeamName) => (teamRows.find((team) => team.name === name) as { id: string }).id;
  for (const team of teamRows) {
    const after = { name: team.name, description: team.description };
    audit.push({
      ...actor,
      action: "team.created",
      entityType: "team",
      entityId: team.id,
      after,
      createdAt: team.createdAt,
    });
  }

  const members: DemoOrg["members"] = [];
  const staffOf = new Map(teamRows.map((team) => [team.id, { leadId: "", developerIds: [] as string[] }]));
  for (const user of demoUsers) {
    for (const name of user.person.teams ?? []) {
      const role = user.person.role === "manager" ? ("lead" as const) : ("member" as const);
      const staff = staffOf.get(teamId(name)) as { leadId: string; developerIds: string[] };
      if (role === "lead") staff.leadId = user.id;
      else staff.developerIds.push(user.id);
      const createdAt = at(120 + members.length);
      members.push({ teamId: teamId(name), userId: user.id, role, createdAt });
      audit.push({
        ...actor,
        action: "team.member_added",
        entityType: "team",
        entityId: teamId(name),
        after: { member: { userId: user.id, role } },
        createdAt,
      });
    }
  }

  const categoryRows: DemoOrg["categories"] = [];
  for (const [index, category] of DEMO_CATEGORIES.entries()) {
    const parentId = category.parent
      ? categoryRows.find((row) => row.name === category.parent)?.id
      : undefined;
    const row = {
      id: random.uuid(),
      name: category.name,
      description: category.description,
      parentId: parentId ?? null,
      defaultTeamId: teamId(category.team),
      createdAt: at(180 + index),
      updatedAt: at(180 + index),
    };
    categoryRows.push(row);
    const after = {
      name: row.name,
      description: row.description,
      parentId: row.parentId,
      defaultTeamId: row.defaultTeamId,
    };
    audit.push({
      ...actor,
      action: "category.created",
      entityType: "category",
      entityId: row.id,
      after,
      createdAt: row.createdAt,
    });
  }

  const profiles: DemoOrg["profiles"] = [];
  const skills: DemoOrg["skills"] = [];
  const skillsOf = new Map<string, Set<string>>();
  for (const user of demoUsers.filter((candidate) => candidate.person.role === "developer")) {
    const { person } = user;
    const ownTeams = new Set((person.teams ?? []).map(teamId));
    const relevant = categoryRows.filter((category) => ownTeams.has(category.defaultTeamId as string));
    const chosen = random.sample(relevant, random.int(2, Math.min(4, relevant.length)));
    const levels = chosen.map((category) => ({ categoryId: category.id, level: random.int(1, 5) }));
    skillsOf.set(user.id, new Set(levels.map((skill) => skill.categoryId)));
    for (const skill of levels) skills.push({ userId: user.id, ...skill });
    const createdAt = at(240 + profiles.length);
    const profile = {
      userId: user.id,
      capacity: person.capacity ?? 6,
      availability: person.availability ?? "available",
      timezone: person.timezone ?? "UTC",
      createdAt,
      updatedAt: createdAt,
    };
    profiles.push(profile);
    audit.push({
      ...actor,
      action: "developer_profile.created",
      entityType: "developer_profile",
      entityId: user.id,
      after: {
        capacity: profile.capacity,
        availability: profile.availability,
        timezone: profile.timezone,
        skills: levels,
      },
      createdAt,
    });
  }

  return {
    users: demoUsers,
    teams: teamRows,
    members,
    categories: categoryRows,
    profiles,
    skills,
    audit,
    staffOf,
    skillsOf,
  };
}
