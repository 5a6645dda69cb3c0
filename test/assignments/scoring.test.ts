import { describe, expect, it } from "vitest";
import { rankDevelopers, type ScoringDeveloper } from "../../src/features/assignments/scoring.ts";

const now = new Date("2030-01-01T12:00:00Z");
const developer = (overrides: Partial<ScoringDeveloper> & { userId: string }): ScoringDeveloper => ({
  name: overrides.userId,
  capacity: 4,
  availability: "available",
  lastAssignedAt: null,
  skill: 0,
  parentSkill: 0,
  openLoad: 0,
  ...overrides,
});
const hoursFromNow = (hours: number) => new Date(now.getTime() + hours * 3600 * 1000);

describe("assignment score", () => {
  it("follows the documented formula", () => {
    const ranking = rankDevelopers(
      { priority: "low", dueAt: null },
      [developer({ userId: "a", skill: 4, openLoad: 1, capacity: 4 })],
      now,
    );
    // urgency 0 → skillWeight 0.4, loadWeight 0.6; skillFit 4/5; freeCapacity 3/4.
    expect(ranking.weights).toEqual({ skill: 0.4, load: 0.6 });
    expect(ranking.candidates[0]?.score).toBe(77);
    expect(ranking.candidates[0]?.breakdown).toMatchObject({ skillFit: 0.8, freeCapacity: 0.75, urgency: 0 });
  });

  it("counts the parent category's skill at half, and only when it beats the category's own", () => {
    const ranking = rankDevelopers(
      { priority: "low", dueAt: null },
      [
        developer({ userId: "a", skill: 1, parentSkill: 4 }),
        developer({ userId: "b", skill: 3, parentSkill: 4 }),
      ],
      now,
    );
    expect(ranking.candidates.map((candidate) => candidate.breakdown.skillFit)).toEqual([0.6, 0.4]);
    expect(ranking.candidates[1]?.reasons[0]).toMatch(/parent category/);
  });

  it("weighs skill more for urgent or nearly due tickets and free capacity more for routine ones", () => {
    const expert = developer({ userId: "expert", skill: 5, openLoad: 3 });
    const idle = developer({ userId: "idle", skill: 1, openLoad: 0 });
    const order = (priority: "low" | "urgent", dueAt: Date | null = null) =>
      rankDevelopers({ priority, dueAt }, [expert, idle], now).candidates.map(
        (candidate) => candidate.userId,
      );

    expect(order("low")).toEqual(["idle", "expert"]);
    expect(order("urgent")).toEqual(["expert", "idle"]);
    expect(order("low", hoursFromNow(12))).toEqual(["expert", "idle"]);
    expect(rankDevelopers({ priority: "low", dueAt: hoursFromNow(24 * 30) }, [], now).urgency).toBe(0);
    expect(rankDevelopers({ priority: "low", dueAt: hoursFromNow(96) }, [], now).urgency).toBe(0.5);
    expect(rankDevelopers({ priority: "low", dueAt: hoursFromNow(-5) }, [], now).urgency).toBe(1);
  });

  it("excludes away, offline and at-capacity developers with the reason", () => {
    const ranking = rankDevelopers(
      { priority: "medium", dueAt: null },
      [
        developer({ userId: "d", availability: "offline" }),
        developer({ userId: "c", availability: "away" }),
        developer({ userId: "b", capacity: 2, openLoad: 2 }),
        developer({ userId: "a", capacity: 0 }),
        developer({ userId: "e" }),
      ],
      now,
    );
    expect(ranking.candidates.map((candidate) => candidate.userId)).toEqual(["e"]);
    expect(ranking.excluded.map((entry) => [entry.userId, entry.reason])).toEqual([
      ["a", "at_capacity"],
      ["b", "at_capacity"],
      ["c", "away"],
      ["d", "offline"],
    ]);
  });

  it("breaks ties by least recently assigned (never first), then by user id, and says so", () => {
    const ranking = rankDevelopers(
      { priority: "medium", dueAt: null },
      [
        developer({ userId: "c", lastAssignedAt: hoursFromNow(-1) }),
        developer({ userId: "b", lastAssignedAt: hoursFromNow(-10) }),
        developer({ userId: "z" }),
        developer({ userId: "y" }),
      ],
      now,
    );
    expect(ranking.candidates.map((candidate) => [candidate.userId, candidate.rank])).toEqual([
      ["y", 1],
      ["z", 2],
      ["b", 3],
      ["c", 4],
    ]);
    expect(ranking.candidates[1]?.reasons.at(-1)).toMatch(/user id/);
    expect(ranking.candidates[2]?.reasons.at(-1)).toMatch(/never been assigned/);
    expect(ranking.candidates[3]?.reasons.at(-1)).toMatch(/less recently/);
  });
});
