import type { Scored, ScoringTicket } from "./scoring.ts";

/** Why a candidate sits where it does, in words a manager reads next to the numbers. */
export function reasonsFor(candidate: Scored, above: Scored | undefined, parentDiscount: number): string[] {
  const { breakdown } = candidate;
  const reasons: string[] = [];
  if (breakdown.skill > 0 && breakdown.skill >= breakdown.parentSkill * parentDiscount)
    reasons.push(`Skill ${breakdown.skill}/5 in the ticket's category.`);
  else if (breakdown.parentSkill > 0)
    reasons.push(
      `Skill ${breakdown.parentSkill}/5 in the parent category, counted at half (${breakdown.parentSkill * parentDiscount}).`,
    );
  else reasons.push("No recorded skill in the ticket's category or its parent.");
  const free = breakdown.capacity - breakdown.load;
  reasons.push(`Open load ${breakdown.load} of capacity ${breakdown.capacity} (${free} free).`);
  if (!above) {
    reasons.push(`Highest score (${candidate.score}).`);
  } else if (above.score > candidate.score) {
    reasons.push(`Score ${candidate.score} is below ${above.name}'s ${above.score}.`);
  } else if (above.breakdown.lastAssignedAt !== breakdown.lastAssignedAt) {
    const when =
      above.breakdown.lastAssignedAt === null ? "has never been assigned" : "was assigned less recently";
    reasons.push(`Same score as ${above.name}, who ${when}.`);
  } else {
    reasons.push(`Same score and last assignment as ${above.name}; ordered by user id.`);
  }
  return reasons;
}

export function explain(
  ticket: ScoringTicket,
  urgency: number,
  skillWeight: number,
  loadWeight: number,
): string {
  const due = ticket.dueAt ? `, due ${ticket.dueAt.toISOString()}` : ", no due date";
  return (
    `Priority ${ticket.priority}${due}: urgency ${urgency} (max of priority urgency low 0 / medium 0.33 / ` +
    "high 0.67 / urgent 1 and due-date urgency, 1 within 24 h to 0 at 7 days). " +
    `score = 100 × (${skillWeight} × skillFit + ${loadWeight} × freeCapacity), where skillWeight = 0.4 + 0.3 × urgency, ` +
    "skillFit = max(skill, parentSkill × 0.5) / 5 and freeCapacity = (capacity − openLoad) / capacity. " +
    "Away, offline and at-capacity developers are excluded. Ties go to the least recently assigned " +
    "(never assigned first), then the lower user id."
  );
}
