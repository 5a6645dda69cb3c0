import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertCategory } from "../support/factories/categories.ts";
import { addMember, auditRowsOf, insertTeam } from "../support/factories/teams.ts";
import { createUser, jsonRequest, login, type Session, signedIn } from "../support/factories.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";

let ctx: TestContext;
let admin: Session;
let manager: Session;
let managersTeam: { id: string };
beforeAll(async () => {
  ctx = await createTestContext({ env: { TRUST_PROXY: "true" } });
  admin = (await signedIn(ctx, "admin")).session;
  const lead = await signedIn(ctx, "manager");
  manager = lead.session;
  managersTeam = await insertTeam(ctx, [{ userId: lead.user.id, role: "lead" }]);
});

/** A developer in the team `manager` leads: managers edit only those profiles. */
async function teamDeveloper() {
  const developer = await createUser(ctx, { role: "developer" });
  await addMember(ctx, managersTeam.id, developer.id);
  return developer;
}
afterAll(() => ctx.close());

interface Profile {
  userId: string;
  skills: { categoryId: string; level: number }[];
  capacity: number;
  availability: string;
  timezone: string;
  openLoad: number;
  version: number;
}

const path = (userId: string) => `/v1/developers/${userId}/profile`;
const put = (session: Session, userId: string, body: unknown, headers: Record<string, string> = {}) =>
  ctx.app.request(path(userId), jsonRequest("PUT", body, { ...session.headers, ...headers }));
const get = (session: Session, userId: string) => ctx.app.request(path(userId), { headers: session.headers });

describe("developer profiles", () => {
  it("creates on the first PUT (201, defaults for the rest), replaces afterwards (200), both audited", async () => {
    const developer = await teamDeveloper();
    const [billing, api] = [await insertCategory(ctx), await insertCategory(ctx)];
    expect((await get(manager, developer.id)).status).toBe(404);

    const created = await put(manager, developer.id, { skills: [{ categoryId: billing.id, level: 3 }] });
    expect(created.status).toBe(201);
    expect(created.headers.get("ETag")).toBe('"1"');
    expect(await created.json()).toMatchObject({
      userId: developer.id,
      skills: [{ categoryId: billing.id, level: 3 }],
      capacity: 5,
      availability: "available",
      timezone: "UTC",
      openLoad: 0,
      version: 1,
    });

    const replaced = await put(
      admin,
      developer.id,
      { skills: [{ categoryId: api.id, level: 5 }], capacity: 8, timezone: "Europe/Berlin" },
      { "If-Match": '"1"' },
    );
    expect(replaced.status).toBe(200);
    const profile = (await replaced.json()) as Profile;
    expect(profile).toMatchObject({ skills: [{ categoryId: api.id, level: 5 }], capacity: 8, version: 2 });
    expect(profile.availability).toBe("available");

    const read = await get(manager, developer.id);
    expect(read.headers.get("ETag")).toBe('"2"');
    expect(((await read.json()) as Profile).timezone).toBe("Europe/Berlin");

    const audit = await auditRowsOf(ctx, "developer_profile", developer.id);
    expect(audit.map((row) => row.action)).toEqual([
      "developer_profile.created",
      "developer_profile.updated",
    ]);
    expect(audit[1]).toMatchObject({
      actorRole: "admin",
      before: { skills: [{ categoryId: billing.id, level: 3 }], capacity: 5, timezone: "UTC" },
      after: { skills: [{ categoryId: api.id, level: 5 }], capacity: 8, timezone: "Europe/Berlin" },
    });
    expect(audit[1]?.after).not.toHaveProperty("availability");
  });

  it("lets a developer change their own availability and timezone only (403 naming other fields)", async () => {
    const developer = await signedIn(ctx, "developer");
    const own = await put(developer.session, developer.user.id, {
      availability: "away",
      timezone: "Asia/Tokyo",
    });
    expect(own.status).toBe(201);
    expect(await own.json()).toMatchObject({ availability: "away", timezone: "Asia/Tokyo", capacity: 5 });

    const forbidden = await put(developer.session, developer.user.id, {
      availability: "available",
      capacity: 50,
      skills: [],
    });
    expect(forbidden.status).toBe(403);
    const problem = (await forbidden.json()) as { code: string; errors: { path: string }[] };
    expect(problem.code).toBe("forbidden_fields");
    expect(problem.errors.map((error) => error.path).sort()).toEqual(["body.capacity", "body.skills"]);
    expect(((await (await get(developer.session, developer.user.id)).json()) as Profile).availability).toBe(
      "away",
    );

    const colleague = await teamDeveloper();
    const other = await put(developer.session, colleague.id, { availability: "offline" });
    expect(other.status).toBe(403);
    expect(((await other.json()) as { code: string }).code).toBe("not_own_profile");
  });

  it("validates skills, capacity, availability and timezone with 400 naming the field", async () => {
    const developer = await teamDeveloper();
    const category = await insertCategory(ctx);
    const cases: [unknown, string][] = [
      [{ skills: [{ categoryId: category.id, level: 6 }] }, "body.skills.0.level"],
      [{ skills: [{ categoryId: category.id, level: 0 }] }, "body.skills.0.level"],
      [
        {
          skills: [
            { categoryId: category.id, level: 2 },
            { categoryId: category.id, level: 3 },
          ],
        },
        "body.skills.1.categoryId",
      ],
      [{ skills: [{ categoryId: crypto.randomUUID(), level: 2 }] }, "body.skills.0.categoryId"],
      [{ capacity: 1001 }, "body.capacity"],
      [{ capacity: -1 }, "body.capacity"],
      [{ capacity: 1.5 }, "body.capacity"],
      [{ availability: "busy" }, "body.availability"],
      [{ timezone: "Mars/Olympus_Mons" }, "body.timezone"],
      [{ nickname: "x" }, "body"],
    ];
    for (const [body, field] of cases) {
      const response = await put(manager, developer.id, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      const problem = (await response.json()) as { errors: { path: string }[] };
      expect(problem.errors.map((error) => error.path)).toContain(field);
    }
    expect((await get(manager, developer.id)).status).toBe(404);
  });

  it("answers 404 for unknown users, 409 for users who are not developers, 412 for stale If-Match", async () => {
    expect((await put(manager, crypto.randomUUID(), { capacity: 3 })).status).toBe(404);
    const reporter = await createUser(ctx, { role: "reporter" });
    const notDeveloper = await put(manager, reporter.id, { capacity: 3 });
    expect(notDeveloper.status).toBe(409);
    expect(((await notDeveloper.json()) as { code: string }).code).toBe("not_a_developer");
    expect((await get(manager, reporter.id)).status).toBe(404);

    const developer = await teamDeveloper();
    const notYet = await put(manager, developer.id, { capacity: 3 }, { "If-Match": '"1"' });
    expect(notYet.status).toBe(412);
    expect((await put(manager, developer.id, { capacity: 3 })).status).toBe(201);
    const stale = await put(manager, developer.id, { capacity: 4 }, { "If-Match": '"5"' });
    expect(stale.status).toBe(412);
    expect(((await stale.json()) as { currentVersion: number }).currentVersion).toBe(1);
  });

  it("keeps one profile when two first PUTs race", async () => {
    const developer = await teamDeveloper();
    const results = await Promise.all([
      put(manager, developer.id, { capacity: 2 }),
      put(admin, developer.id, { capacity: 9 }),
    ]);
    expect(results.map((response) => response.status).sort()).toEqual([200, 201]);
    const profile = (await (await get(manager, developer.id)).json()) as Profile;
    expect(profile.version).toBe(2);
  });

  it("never serves a stale profile after a write (cache invalidated)", async () => {
    const developer = await signedIn(ctx, "developer");
    await addMember(ctx, managersTeam.id, developer.user.id);
    await put(manager, developer.user.id, { capacity: 4 });
    expect(((await (await get(manager, developer.user.id)).json()) as Profile).capacity).toBe(4);
    await put(manager, developer.user.id, { capacity: 6 });
    expect(((await (await get(manager, developer.user.id)).json()) as Profile).capacity).toBe(6);
    await put(developer.session, developer.user.id, { availability: "offline" });
    const session = await login(ctx, developer.user);
    expect(((await (await get(session, developer.user.id)).json()) as Profile).availability).toBe("offline");
  });

  it("is not for reporters (403)", async () => {
    const reporter = (await signedIn(ctx, "reporter")).session;
    const developer = await teamDeveloper();
    expect((await get(reporter, developer.id)).status).toBe(403);
    expect((await put(reporter, developer.id, { availability: "away" })).status).toBe(403);
  });
});
