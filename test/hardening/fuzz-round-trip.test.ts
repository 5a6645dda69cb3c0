import { describe, expect, it } from "vitest";
import type { FuzzRequest } from "../support/fuzz/requests.ts";
import { roundTripViolation, type Send } from "../support/fuzz/round-trip.ts";

/** The fuzz's own check on nextCursor, against a server scripted per path. */
const activityPage: FuzzRequest = {
  route: { method: "GET", path: "/v1/tickets/{id}/activity" } as FuzzRequest["route"],
  actor: "developer",
  path: "/v1/tickets/t1/activity",
  query: "?limit=1",
  headers: {},
  authorization: "actor",
  body: undefined,
  bodyKind: "none",
  mode: "valid",
};
const firstPage = { status: 200, headers: new Headers(), json: { data: [{}], nextCursor: "c1" } };

function serverAnswering(statusFor: (path: string) => number): Send {
  return async (path) => new Response(null, { status: statusFor(path) });
}

describe("the fuzz's check of a followed nextCursor", () => {
  it("lets a 404 pass when the list itself has gone (a concurrent request deleted its ticket)", async () => {
    const gone = serverAnswering(() => 404);
    expect(await roundTripViolation(gone, activityPage, firstPage, {})).toBeUndefined();
  });

  it("still reports a 404 for the cursor while the list's first page answers", async () => {
    const brokenCursor = serverAnswering((path) => (path.includes("cursor=") ? 404 : 200));
    expect(await roundTripViolation(brokenCursor, activityPage, firstPage, {})).toBe(
      "following nextCursor c1 answered 404",
    );
  });

  it("reports any other failure of the followed cursor", async () => {
    const refused = serverAnswering(() => 400);
    expect(await roundTripViolation(refused, activityPage, firstPage, {})).toBe(
      "following nextCursor c1 answered 400",
    );
  });
});
