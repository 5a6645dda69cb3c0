import { beforeAll, describe, expect, it } from "vitest";
import timeZoneNames from "../../src/features/developers/time-zones.json" with { type: "json" };
import { jsonRequest, type Session } from "../support/factories.ts";
import { signedIn } from "./support/accounts.ts";
import { workerFetch } from "./support/requests.ts";

let admin: Session;
beforeAll(async () => {
  admin = (await signedIn("admin")).session;
});

const unique = (label: string) => `${label} ${crypto.randomUUID().slice(0, 8)}`;

async function created(path: string, body: unknown): Promise<{ id: string }> {
  const response = await workerFetch(path, jsonRequest("POST", body, admin.headers));
  expect(response.status).toBe(201);
  return (await response.json()) as { id: string };
}

/** A developer with a profile the admin created: level 4 in a new category, capacity 3. */
async function profiledDeveloper() {
  const category = await created("/v1/categories", { name: unique("Skill") });
  const developer = await signedIn("developer");
  const profilePath = `/v1/developers/${developer.user.id}/profile`;
  const profile = await workerFetch(
    profilePath,
    jsonRequest("PUT", { skills: [{ categoryId: category.id, level: 4 }], capacity: 3 }, admin.headers),
  );
  expect(profile.status).toBe(201);
  return { category, developer, profilePath };
}

describe("developer profiles inside workerd", () => {
  it("lets the developer change their availability and timezone, and reads the merged profile", async () => {
    const { category, developer, profilePath } = await profiledDeveloper();
    const own = await workerFetch(
      profilePath,
      jsonRequest("PUT", { availability: "away", timezone: "America/New_York" }, developer.session.headers),
    );
    expect(own.status).toBe(200);
    const read = await workerFetch(profilePath, { headers: developer.session.headers });
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({
      skills: [{ categoryId: category.id, level: 4 }],
      capacity: 3,
      availability: "away",
      timezone: "America/New_York",
      openLoad: 0,
      version: 2,
    });
  });

  it("refuses the developer a capacity change with 403", async () => {
    const { developer, profilePath } = await profiledDeveloper();
    const forbidden = await workerFetch(
      profilePath,
      jsonRequest("PUT", { capacity: 99 }, developer.session.headers),
    );
    expect(forbidden.status).toBe(403);
  });

  it("refuses an unknown timezone with 400", async () => {
    const { profilePath } = await profiledDeveloper();
    const badZone = await workerFetch(
      profilePath,
      jsonRequest("PUT", { timezone: "Not/AZone" }, admin.headers),
    );
    expect(badZone.status).toBe(400);
  });

  it("knows every time zone the document lists, in workerd's own ICU", () => {
    const unknownHere = timeZoneNames.filter((name) => {
      try {
        new Intl.DateTimeFormat("en", { timeZone: name });
        return false;
      } catch {
        return true;
      }
    });
    expect(timeZoneNames.length).toBeGreaterThan(500);
    expect(unknownHere).toEqual([]);
  });

  it("lists the team's developers skilled in a category, with their load", async () => {
    const { category, developer } = await profiledDeveloper();
    const team = await created("/v1/teams", { name: unique("Devs") });
    await workerFetch(
      `/v1/teams/${team.id}/members/${developer.user.id}`,
      jsonRequest("PUT", { role: "member" }, admin.headers),
    );
    const listed = (await (
      await workerFetch(`/v1/developers?teamId=${team.id}&categoryId=${category.id}`, {
        headers: admin.headers,
      })
    ).json()) as { data: { userId: string; availability: string; openLoad: number }[] };
    expect(listed.data).toEqual([
      expect.objectContaining({ userId: developer.user.id, availability: "available", openLoad: 0 }),
    ]);
  });
});

describe("developer profile team scoping inside workerd", () => {
  it("lets a manager set availability only for developers of a team they lead", async () => {
    const webLead = await signedIn("manager");
    const paymentsLead = await signedIn("manager");
    const developer = await signedIn("developer");
    const payments = (await (
      await workerFetch(
        "/v1/teams",
        jsonRequest("POST", { name: `Payments ${crypto.randomUUID().slice(0, 8)}` }, admin.headers),
      )
    ).json()) as { id: string };
    for (const [userId, role] of [
      [paymentsLead.user.id, "lead"],
      [developer.user.id, "member"],
    ] as const) {
      await workerFetch(
        `/v1/teams/${payments.id}/members/${userId}`,
        jsonRequest("PUT", { role }, admin.headers),
      );
    }
    const profilePath = `/v1/developers/${developer.user.id}/profile`;

    const outsider = await workerFetch(
      profilePath,
      jsonRequest("PUT", { availability: "offline" }, webLead.session.headers),
    );
    expect(outsider.status).toBe(403);
    expect(((await outsider.json()) as { code: string }).code).toBe("not_team_lead");
    const lead = await workerFetch(
      profilePath,
      jsonRequest("PUT", { availability: "away" }, paymentsLead.session.headers),
    );
    expect(lead.status).toBe(201);
    expect(await lead.json()).toMatchObject({ availability: "away", version: 1 });
  });
});
