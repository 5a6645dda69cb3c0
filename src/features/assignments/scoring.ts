import type { TicketPriority } from "../tickets/schemas.ts";
import { explain, reasonsFor } from "./explanations.ts";

/**
 * The explainable assignment score. Everything a ranking depends on is in its inputs, so the same
 * ticket, team and clock always give the same order.
 *
 *   urgency      = max(priorityUrgency, dueUrgency)             0..1
 *     priorityUrgency: low 0, medium 1/3, high 2/3, urgent 1
 *     dueUrgency: 1 when due within 24 h (or overdue), 0 when due in 7 days or more (or no due
 *                 date), linear in between
 *   skillWeight  = 0.4 + 0.3 × urgency                          0.4..0.7
 *   loadWeight   = 1 − skillWeight                              0.6..0.3
 *   skillFit     = max(skill, parentSkill × 0.5) / 5            0..1
 *     skill: level 1..5 in the ticket's category (0 when none); parentSkill: level in its parent
 *   freeCapacity = (capacity − openLoad) / capacity             0..1
 *   score        = 100 × (skillWeight × skillFit + loadWeight × freeCapacity), rounded to 0.01
 *
 * Routine work spreads across the team (free capacity weighs more); urgent or nearly due work goes
 * to whoever knows the area best. Excluded, never ranked: `away` or `offline`, and open load at or
 * over capacity. Ties (equal rounded score) go to the least recently assigned (never assigned
 * first), then the lower user id.
 */
export const PARENT_SKILL_DISCOUNT = 0.5;
const PRIORITY_URGENCY: Record<TicketPriority, number> = { low: 0, medium: 1 / 3, high: 2 / 3, urgent: 1 };
const HOUR_MS = 3600 * 1000;
const DUE_SOON_HOURS = 24;
const DUE_RELAXED_HOURS = 7 * 24;

export interface ScoringTicket {
  priority: TicketPriority;
  dueAt: Date | null;
}

export interface ScoringDeveloper {
  userId: string;
  name: string;
  capacity: number;
  availability: "available" | "away" | "offline";
  lastAssignedAt: Date | null;
  /** Level in the ticket's category and in its parent category; 0 when none. */
  skill: number;
  parentSkill: number;
  /** Open tickets assigned now, not counting the ticket being assigned. */
  openLoad: number;
}

export interface Breakdown {
  skill: number;
  parentSkill: number;
  skillFit: number;
  load: number;
  capacity: number;
  freeCapacity: number;
  availability: ScoringDeveloper["availability"];
  availabilityOk: boolean;
  lastAssignedAt: string | null;
  urgency: number;
  skillWeight: number;
  loadWeight: number;
}

export interface Candidate {
  userId: string;
  name: string;
  rank: number;
  score: number;
  breakdown: Breakdown;
  reasons: string[];
}

export type ExclusionReason = "at_capacity" | "away" | "offline";
export interface Excluded {
  userId: string;
  name: string;
  reason: ExclusionReason;
  detail: string;
}

export interface Ranking {
  urgency: number;
  weights: { skill: number; load: number };
  explanation: string;
  candidates: Candidate[];
  excluded: Excluded[];
}

export function rankDevelopers(ticket: ScoringTicket, developers: ScoringDeveloper[], now: Date): Ranking {
  const urgency = round(urgencyOf(ticket, now), 4);
  const skillWeight = round(0.4 + 0.3 * urgency, 4);
  const loadWeight = round(1 - skillWeight, 4);
  const excluded: Excluded[] = [];
  const scored: Omit<Candidate, "rank" | "reasons">[] = [];
  for (const developer of developers) {
    const reason = exclusionOf(developer);
    if (reason) {
      excluded.push({
        userId: developer.userId,
        name: developer.name,
        reason,
        detail: detailOf(reason, developer),
      });
      continue;
    }
    const skillFit = Math.max(developer.skill, developer.parentSkill * PARENT_SKILL_DISCOUNT) / 5;
    const freeCapacity = (developer.capacity - developer.openLoad) / developer.capacity;
    scored.push({
      userId: developer.userId,
      name: developer.name,
      score: round(100 * (skillWeight * skillFit + loadWeight * freeCapacity), 2),
      breakdown: {
        skill: developer.skill,
        parentSkill: developer.parentSkill,
        skillFit: round(skillFit, 4),
        load: developer.openLoad,
        capacity: developer.capacity,
        freeCapacity: round(freeCapacity, 4),
        availability: developer.availability,
        availabilityOk: true,
        lastAssignedAt: developer.lastAssignedAt?.toISOString() ?? null,
        urgency,
        skillWeight,
        loadWeight,
      },
    });
  }
  scored.sort(compareCandidates);
  excluded.sort((a, b) => compareIds(a.userId, b.userId));
  const candidates = scored.map((candidate, index) => ({
    ...candidate,
    rank: index + 1,
    reasons: reasonsFor(candidate, scored[index - 1], PARENT_SKILL_DISCOUNT),
  }));
  return {
    urgency,
    weights: { skill: skillWeight, load: loadWeight },
    explanation: explain(ticket, urgency, skillWeight, loadWeight),
    candidates,
    excluded,
  };
}

function urgencyOf(ticket: ScoringTicket, now: Date): number {
  const byPriority = PRIORITY_URGENCY[ticket.priority];
  if (!ticket.dueAt) return byPriority;
  const hoursLeft = (ticket.dueAt.getTime() - now.getTime()) / HOUR_MS;
  const byDue = clamp((DUE_RELAXED_HOURS - hoursLeft) / (DUE_RELAXED_HOURS - DUE_SOON_HOURS), 0, 1);
  return Math.max(byPriority, byDue);
}

function exclusionOf(developer: ScoringDeveloper): ExclusionReason | null {
  if (developer.availability !== "available") return developer.availability;
  if (developer.openLoad >= developer.capacity) return "at_capacity";
  return null;
}

function detailOf(reason: ExclusionReason, developer: ScoringDeveloper): string {
  if (reason === "at_capacity")
    return `Open load ${developer.openLoad} is at or over capacity ${developer.capacity}.`;
  return `Availability is ${reason}.`;
}

export type Scored = Omit<Candidate, "rank" | "reasons">;

/** Higher score first; then least recently assigned (never first); then user id. */
function compareCandidates(a: Scored, b: Scored): number {
  if (a.score !== b.score) return b.score - a.score;
  const aAt = a.breakdown.lastAssignedAt;
  const bAt = b.breakdown.lastAssignedAt;
  if (aAt !== bAt) {
    if (aAt === null) return -1;
    if (bAt === null) return 1;
    return Date.parse(aAt) - Date.parse(bAt);
  }
  return compareIds(a.userId, b.userId);
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
