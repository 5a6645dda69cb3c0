import type { Bytes } from "./reply.ts";

export interface ScoredMember {
  member: Bytes;
  score: number;
}

export interface ScoreRange {
  min: number;
  minExclusive: boolean;
  max: number;
  maxExclusive: boolean;
}

/** Members ordered by score, then bytewise by member, as Redis orders a zset. */
export class SortedSet {
  private readonly scores = new Map<Bytes, number>();
  private readonly ordered: ScoredMember[] = [];

  get size(): number {
    return this.ordered.length;
  }

  score(member: Bytes): number | undefined {
    return this.scores.get(member);
  }

  /** Returns true when the member is new. */
  set(member: Bytes, score: number): boolean {
    const previous = this.scores.get(member);
    if (previous === score) return false;
    if (previous !== undefined) this.ordered.splice(this.indexOf(member, previous), 1);
    this.scores.set(member, score);
    const entry = { member, score };
    this.ordered.splice(this.lowerBound(entry), 0, entry);
    return previous === undefined;
  }

  remove(member: Bytes): boolean {
    const score = this.scores.get(member);
    if (score === undefined) return false;
    this.ordered.splice(this.indexOf(member, score), 1);
    this.scores.delete(member);
    return true;
  }

  rank(member: Bytes): number | undefined {
    const score = this.scores.get(member);
    return score === undefined ? undefined : this.indexOf(member, score);
  }

  /** Entries with rank in [start, end). */
  slice(start: number, end: number): ScoredMember[] {
    return this.ordered.slice(start, end);
  }

  /** The [start, end) ranks of the members whose score is inside the range. */
  scoreRangeBounds(range: ScoreRange): [number, number] {
    const start = this.firstIndex((entry) =>
      range.minExclusive ? entry.score > range.min : entry.score >= range.min,
    );
    const end = this.firstIndex((entry) =>
      range.maxExclusive ? entry.score >= range.max : entry.score > range.max,
    );
    return [start, Math.max(start, end)];
  }

  removeRankRange(start: number, end: number): number {
    const removed = this.ordered.splice(start, Math.max(0, end - start));
    for (const entry of removed) this.scores.delete(entry.member);
    return removed.length;
  }

  private indexOf(member: Bytes, score: number): number {
    return this.lowerBound({ member, score });
  }

  private lowerBound(target: ScoredMember): number {
    return this.firstIndex((entry) => compareEntries(entry, target) >= 0);
  }

  /** Binary search for the first index where a monotonic predicate turns true. */
  private firstIndex(predicate: (entry: ScoredMember) => boolean): number {
    let low = 0;
    let high = this.ordered.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const entry = this.ordered[middle];
      if (entry !== undefined && predicate(entry)) high = middle;
      else low = middle + 1;
    }
    return low;
  }
}

function compareEntries(a: ScoredMember, b: ScoredMember): number {
  if (a.score !== b.score) return a.score < b.score ? -1 : 1;
  if (a.member === b.member) return 0;
  return a.member < b.member ? -1 : 1;
}
