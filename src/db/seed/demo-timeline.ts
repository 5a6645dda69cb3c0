import type { AuditRow } from "./demo-org.ts";
import type { Random } from "./prng.ts";

export type Status = "open" | "in_progress" | "blocked" | "resolved" | "closed";
type Role = "manager" | "developer" | "reporter";

interface Assignment {
  history: {
    assigneeId: string;
    previousAssigneeId: string | null;
    actorId: string;
    strategy: "manual" | "self";
    createdAt: Date;
  };
  audit: Pick<AuditRow, "actorId" | "actorRole" | "action" | "before" | "after" | "createdAt">;
}

export interface Timeline {
  assignments: Assignment[];
  statusChanges: Pick<AuditRow, "actorId" | "actorRole" | "before" | "after" | "createdAt">[];
  commentTimes: Date[];
  firstRespondedAt: Date | null;
  resolvedAt: Date | null;
  closedAt: Date | null;
  updatedAt: Date;
  /** Version bumps: assignments and status changes (comments do not change the ticket). */
  changes: number;
}

/** The walk through the workflow that ends in `status`, each step a valid transition. */
const PATHS: Record<Status, Status[]> = {
  open: [],
  in_progress: ["in_progress"],
  blocked: ["in_progress", "blocked"],
  resolved: ["in_progress", "resolved"],
  closed: ["in_progress", "resolved", "closed"],
};

/**
 * What happened to one ticket, in order and before `now`: assignments (a reassignment sometimes),
 * status changes by whoever may make them, and comment times spread over the ticket's life.
 */
export function planTimeline(
  random: Random,
  ticket: {
    createdAt: Date;
    now: Date;
    status: Status;
    assigneeId: string | null;
    previousId: string | null;
    leadId: string;
    reporterId: string;
    reporterRole: Role;
  },
): Timeline {
  const limit = ticket.now.getTime() - 60_000;
  let clock = ticket.createdAt.getTime();
  const advance = (minMinutes: number, maxMinutes: number) => {
    clock = Math.min(limit, clock + random.int(minMinutes, maxMinutes) * 60_000);
    return new Date(clock);
  };
  const assignments: Assignment[] = [];
  const assign = (assigneeId: string, previousAssigneeId: string | null) => {
    const self = previousAssigneeId === null && random.chance(0.35);
    const actorId = self ? assigneeId : ticket.leadId;
    const createdAt = advance(10, 8 * 60);
    assignments.push({
      history: { assigneeId, previousAssigneeId, actorId, strategy: self ? "self" : "manual", createdAt },
      audit: {
        actorId,
        actorRole: self ? "developer" : "manager",
        action: "ticket.assigned",
        before: { assigneeId: previousAssigneeId },
        after: { assigneeId, strategy: self ? "self" : "manual" },
        createdAt,
      },
    });
  };
  if (ticket.assigneeId && ticket.previousId) assign(ticket.previousId, null);
  if (ticket.assigneeId) assign(ticket.assigneeId, ticket.previousId);

  const statusChanges: Timeline["statusChanges"] = [];
  let resolvedAt: Date | null = null;
  let closedAt: Date | null = null;
  let previous: Status = "open";
  const path = [...PATHS[ticket.status]];
  // Some resolved or closed tickets were blocked on the way.
  if (path.includes("resolved") && random.chance(0.2)) path.splice(1, 0, "blocked", "in_progress");
  for (const next of path) {
    const at = advance(30, next === "closed" ? 3 * 24 * 60 : 2 * 24 * 60);
    const byReporter = next === "closed" && random.chance(0.5);
    statusChanges.push({
      actorId: byReporter ? ticket.reporterId : next === "closed" ? ticket.leadId : ticket.assigneeId,
      actorRole: byReporter ? ticket.reporterRole : next === "closed" ? "manager" : "developer",
      before: { status: previous },
      after: { status: next },
      createdAt: at,
    });
    if (next === "resolved") resolvedAt = at;
    if (next === "closed") closedAt = at;
    previous = next;
  }

  const lastEvent = clock;
  const commentCount = random.weighted({ none: 20, one: 30, two: 25, three: 15, five: 10 });
  const count = { none: 0, one: 1, two: 2, three: 3, five: 5 }[commentCount];
  const span =
    Math.max(lastEvent, Math.min(limit, ticket.createdAt.getTime() + 3 * 86_400_000)) -
    ticket.createdAt.getTime();
  const commentTimes = Array.from(
    { length: count },
    () => new Date(ticket.createdAt.getTime() + Math.floor(random.next() * span)),
  ).sort((a, b) => a.getTime() - b.getTime());
  const lastComment = commentTimes.at(-1)?.getTime() ?? 0;

  return {
    assignments,
    statusChanges,
    commentTimes,
    firstRespondedAt: assignments[0]?.history.createdAt ?? null,
    resolvedAt,
    closedAt,
    updatedAt: new Date(Math.max(lastEvent, lastComment, ticket.createdAt.getTime())),
    changes: assignments.length + statusChanges.length,
  };
}
