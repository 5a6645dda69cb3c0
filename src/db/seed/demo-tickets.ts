import type { SlaPolicy } from "../../config/schema.ts";
import type { assignmentHistory, ticketComments, tickets } from "../schema.ts";
import { DEMO_CATEGORIES } from "./demo-cast.ts";
import { type AuditRow, type DemoOrg, SEED_ORIGIN } from "./demo-org.ts";
import { planTimeline, type Status } from "./demo-timeline.ts";
import { commentBody, DEMO_TAGS, ticketDescription, ticketTitle } from "./demo-words.ts";
import type { Random } from "./prng.ts";

export const DEMO_TICKET_COUNT = 300;
const DAY = 86_400_000;
/** Open work stays this far under capacity, so suggestions have candidates to rank. */
const HEADROOM = 2;

type TicketInsert = typeof tickets.$inferInsert & { id: string; createdAt: Date };
export interface DemoTickets {
  tickets: TicketInsert[];
  comments: (typeof ticketComments.$inferInsert)[];
  history: (typeof assignmentHistory.$inferInsert)[];
  audit: AuditRow[];
  lastAssignedAt: Map<string, Date>;
}

const ACTIVE: ReadonlySet<Status> = new Set(["open", "in_progress", "blocked"]);

/** Older tickets are mostly done, recent ones mostly open: what a real backlog looks like. */
function statusFor(random: Random, ageDays: number): Status {
  if (ageDays < 1) return random.weighted({ open: 70, in_progress: 30 });
  if (ageDays > 30) return random.weighted({ closed: 70, resolved: 18, in_progress: 5, blocked: 3, open: 4 });
  if (ageDays > 7)
    return random.weighted({ closed: 30, resolved: 28, in_progress: 22, blocked: 8, open: 12 });
  return random.weighted({ open: 45, in_progress: 28, blocked: 8, resolved: 14, closed: 5 });
}

/**
 * ~300 tickets over the last 90 days, oldest first (so TIX numbers follow time). Assignees are
 * developers of the ticket's team, and nobody ends up with more open work than their capacity.
 */
export function planTickets(random: Random, org: DemoOrg, now: Date, sla: SlaPolicy): DemoTickets {
  const reporters = org.users.filter((user) => user.person.role === "reporter").map((user) => user.id);
  const developers = org.users.filter((user) => user.person.role === "developer").map((user) => user.id);
  const capacityOf = new Map(org.profiles.map((profile) => [profile.userId, profile.capacity ?? 0]));
  const openLoad = new Map<string, number>();
  const result: DemoTickets = {
    tickets: [],
    comments: [],
    history: [],
    audit: [],
    lastAssignedAt: new Map(),
  };

  const createdTimes = Array.from(
    { length: DEMO_TICKET_COUNT },
    () => now.getTime() - random.next() * 90 * DAY - 3_600_000,
  )
    .sort((a, b) => a - b)
    .map((time) => new Date(Math.floor(time)));

  for (const createdAt of createdTimes) {
    const id = random.uuid();
    const categoryIndex = random.int(0, org.categories.length - 1);
    const category = org.categories[categoryIndex] as DemoOrg["categories"][number];
    const area = (DEMO_CATEGORIES[categoryIndex] as (typeof DEMO_CATEGORIES)[number]).area;
    const teamId = category.defaultTeamId as string;
    const staff = org.staffOf.get(teamId) as { leadId: string; developerIds: string[] };
    const priority = random.weighted({ low: 25, medium: 45, high: 22, urgent: 8 });
    const reporterId = random.chance(0.9) ? random.pick(reporters) : random.pick(developers);
    const reporterRole = reporters.includes(reporterId) ? ("reporter" as const) : ("developer" as const);
    let status = statusFor(random, (now.getTime() - createdAt.getTime()) / DAY);

    const wantsAssignee = status !== "open" || random.chance(0.4);
    const skilled = staff.developerIds.filter((developer) =>
      org.skillsOf.get(developer)?.has(category.id as string),
    );
    const hasRoom = (developer: string) =>
      !ACTIVE.has(status) || (openLoad.get(developer) ?? 0) < (capacityOf.get(developer) ?? 0) - HEADROOM;
    const candidates = (skilled.some(hasRoom) && random.chance(0.75) ? skilled : staff.developerIds).filter(
      hasRoom,
    );
    const assigneeId = wantsAssignee && candidates.length > 0 ? random.pick(candidates) : null;
    if (!assigneeId && status !== "open") status = "open";
    if (assigneeId && ACTIVE.has(status)) openLoad.set(assigneeId, (openLoad.get(assigneeId) ?? 0) + 1);
    const others = staff.developerIds.filter((developer) => developer !== assigneeId);
    const previousId = assigneeId && others.length > 0 && random.chance(0.15) ? random.pick(others) : null;

    const timeline = planTimeline(random, {
      createdAt,
      now,
      status,
      assigneeId,
      previousId,
      leadId: staff.leadId,
      reporterId,
      reporterRole,
    });
    const title = ticketTitle(random, area);
    const tags = random.sample(DEMO_TAGS, random.chance(0.3) ? 0 : random.int(1, 3)).sort();
    const plusMinutes = (minutes: number) => new Date(createdAt.getTime() + minutes * 60_000);
    const deletedAt = status === "closed" && random.chance(0.015) ? timeline.updatedAt : null;

    result.tickets.push({
      id,
      title,
      description: ticketDescription(random, title),
      status,
      priority,
      categoryId: category.id,
      teamId,
      reporterId,
      assigneeId,
      tags,
      dueAt: random.chance(0.25) ? plusMinutes(random.int(2, 21) * 24 * 60) : null,
      firstResponseDueAt: plusMinutes(sla[priority].firstResponseMinutes),
      resolutionDueAt: plusMinutes(sla[priority].resolutionMinutes),
      firstRespondedAt: timeline.firstRespondedAt,
      resolvedAt: timeline.resolvedAt,
      closedAt: timeline.closedAt,
      createdAt,
      updatedAt: timeline.updatedAt,
      version: 1 + timeline.changes,
      deletedAt,
    });
    result.audit.push({
      ...SEED_ORIGIN,
      actorId: reporterId,
      actorRole: reporterRole,
      action: "ticket.created",
      entityType: "ticket",
      entityId: id,
      // The key (TIX-<number>) is added once the database has numbered the ticket.
      after: { title, status: "open", priority, categoryId: category.id, teamId, reporterId, tags },
      createdAt,
    });
    for (const step of timeline.assignments) {
      result.history.push({ ticketId: id, ...step.history });
      result.audit.push({ ...SEED_ORIGIN, ...step.audit, entityType: "ticket", entityId: id });
      const last = result.lastAssignedAt.get(step.history.assigneeId);
      if (!last || last < step.history.createdAt)
        result.lastAssignedAt.set(step.history.assigneeId, step.history.createdAt);
    }
    for (const change of timeline.statusChanges) {
      result.audit.push({
        ...SEED_ORIGIN,
        ...change,
        action: "ticket.status_changed",
        entityType: "ticket",
        entityId: id,
      });
    }
    if (deletedAt) {
      result.audit.push({
        ...SEED_ORIGIN,
        actorId: staff.leadId,
        actorRole: "manager",
        action: "ticket.deleted",
        entityType: "ticket",
        entityId: id,
        after: { deletedAt: deletedAt.toISOString() },
        createdAt: deletedAt,
      });
    }

    const participants = {
      reporterId,
      reporterRole,
      staffId: assigneeId ?? staff.leadId,
      staffRole: assigneeId ? "developer" : "manager",
    } as const;
    for (const comment of timeline.commentTimes) {
      const visibility = random.chance(0.3) ? "internal" : "public";
      const byReporter = visibility === "public" && random.chance(0.45);
      const authorId = byReporter
        ? participants.reporterId
        : random.chance(0.8)
          ? participants.staffId
          : staff.leadId;
      const authorRole = byReporter
        ? participants.reporterRole
        : authorId === staff.leadId
          ? "manager"
          : "developer";
      const commentId = random.uuid();
      const body = commentBody(random, visibility);
      result.comments.push({
        id: commentId,
        ticketId: id,
        authorId,
        body,
        visibility,
        createdAt: comment,
        updatedAt: comment,
      });
      result.audit.push({
        ...SEED_ORIGIN,
        actorId: authorId,
        actorRole: authorRole,
        action: "comment.created",
        entityType: "comment",
        entityId: commentId,
        after: { ticketId: id, visibility, body },
        createdAt: comment,
      });
    }
  }
  return result;
}
