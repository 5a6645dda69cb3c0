export interface EventMatch {
  committed: number;
  received: number;
  /** Committed during the run, never reached the stream. */
  lost: number[];
  /** Reached the stream more than once (the stream promises each event once). */
  duplicates: number[];
  /** Arrived after an event with a higher id (the stream promises commit order). */
  outOfOrder: number[];
  /** Reached the stream but are not among the run's committed events. */
  unexpected: number[];
}

/**
 * Matches what the stream delivered, in arrival order, against the ids committed to the outbox
 * during the run (read from PostgreSQL). Only `lost` depends on the run being drained first.
 */
export function matchEvents(committedIds: readonly number[], receivedIds: readonly number[]): EventMatch {
  const committed = new Set(committedIds);
  const seen = new Set<number>();
  const duplicates: number[] = [];
  const outOfOrder: number[] = [];
  const unexpected: number[] = [];
  let highest = Number.NEGATIVE_INFINITY;
  for (const id of receivedIds) {
    if (seen.has(id)) duplicates.push(id);
    else if (id < highest) outOfOrder.push(id);
    seen.add(id);
    highest = Math.max(highest, id);
    if (!committed.has(id)) unexpected.push(id);
  }
  const lost = [...committed].filter((id) => !seen.has(id)).sort((a, b) => a - b);
  return { committed: committed.size, received: seen.size, lost, duplicates, outOfOrder, unexpected };
}

/** Whether the match is clean: nothing lost, doubled, reordered or foreign, and something was seen. */
export function eventsIntact(match: EventMatch): boolean {
  return (
    match.committed > 0 &&
    match.lost.length === 0 &&
    match.duplicates.length === 0 &&
    match.outOfOrder.length === 0 &&
    match.unexpected.length === 0
  );
}
