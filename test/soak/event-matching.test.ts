import { describe, expect, it } from "vitest";
import { eventsIntact, matchEvents } from "../../bench/soak/event-matching.ts";

describe("matchEvents", () => {
  it("is intact when every committed event arrived once, in order", () => {
    const match = matchEvents([11, 12, 14, 15], [11, 12, 14, 15]);
    expect(match).toEqual({
      committed: 4,
      received: 4,
      lost: [],
      duplicates: [],
      outOfOrder: [],
      unexpected: [],
    });
    expect(eventsIntact(match)).toBe(true);
  });

  it("names the committed events that never arrived", () => {
    const match = matchEvents([11, 12, 13, 14], [11, 14]);
    expect(match.lost).toEqual([12, 13]);
    expect(eventsIntact(match)).toBe(false);
  });

  it("names an event delivered twice, as a resume that replays too much would", () => {
    const match = matchEvents([1, 2, 3], [1, 2, 2, 3]);
    expect(match.duplicates).toEqual([2]);
    expect(match.received).toBe(3);
    expect(eventsIntact(match)).toBe(false);
  });

  it("names an event that arrived after a higher id", () => {
    const match = matchEvents([1, 2, 3], [1, 3, 2]);
    expect(match.outOfOrder).toEqual([2]);
    expect(match.lost).toEqual([]);
    expect(eventsIntact(match)).toBe(false);
  });

  it("names events that were not committed during the run", () => {
    const match = matchEvents([5, 6], [4, 5, 6]);
    expect(match.unexpected).toEqual([4]);
    expect(eventsIntact(match)).toBe(false);
  });

  it("does not call a run without events intact: the check would prove nothing", () => {
    expect(eventsIntact(matchEvents([], []))).toBe(false);
  });
});
