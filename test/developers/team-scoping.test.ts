import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { developerProfiles } from "../../src/db/schema.ts";
import { insertProfile } from "../support/factories/developers.ts";
import { addMember, insertTeam } from "../support/factories/teams.ts";
import { jsonRequest, type Session, signedIn } from "../support/factories.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";

let ctx: TestContext;
let admin: Session;
let webLead: Session;
let paymentsLead: Session;
let paymentsTeam: { id: string };
beforeAll(async () => {
  ctx = await createTestContext({ env: { TRUST_PROXY: "true" } });
  admin = (await signedIn(ctx, "admin")).session;
  const web = await signedIn(ctx, "manager");
  const payments = await signedIn(ctx, "manager");
  webLead = web.session;
  paymentsLead = payments.session;
  await insertTeam(ctx, [{ userId: web.user.id, role: "lead" }]);
  paymentsTeam = await insertTeam(ctx, [{ userId: payments.user.id, role: "lead" }]);
});
afterAll(() => ctx.close());

const put = (session: Session, userId: string, body: unknown) =>
  ctx.app.request(`/v1/developers/${userId}/profile`, jsonRequest("PUT", body, session.headers));

async function paymentsDeveloper() {
  const developer = await signedIn(ctx, "developer");
  await addMember(ctx, paymentsTeam.id, developer.user.id);
  await insertProfile(ctx, developer.user.id, { capacity: 5, availability: "available" });
  return developer;
}

async function profileOf(userId: string) {
  const [row] = await ctx.deps.db
    .select()
    .from(developerProfiles)
    .where(eq(developerProfiles.userId, userId));
  return row;
}

describe("a manager edits only the profiles of developers in teams they lead", () => {
  it("refuses another team's developer (403 not_team_lead) and changes nothing", async () => {
    const developer = await paymentsDeveloper();
    for (const body of [{ availability: "offline" }, { capacity: 0 }, { skills: [] }]) {
      const response = await put(webLead, developer.user.id, body);
      expect(response.status).toBe(403);
      expect(((await response.json()) as { code: string }).code).toBe("not_team_lead");
    }
    expect(await profileOf(developer.user.id)).toMatchObject({
      availability: "available",
      capacity: 5,
      version: 1,
    });
  });

  it("refuses a developer in no team to managers, not to admins", async () => {
    const loner = await signedIn(ctx, "developer");
    expect((await put(webLead, loner.user.id, { capacity: 3 })).status).toBe(403);
    expect((await put(admin, loner.user.id, { capacity: 3 })).status).toBe(201);
  });

  it("lets the developer's lead and admins edit it, and the developer their own availability", async () => {
    const developer = await paymentsDeveloper();
    expect((await put(paymentsLead, developer.user.id, { availability: "away", capacity: 4 })).status).toBe(
      200,
    );
    expect((await put(admin, developer.user.id, { capacity: 6 })).status).toBe(200);
    expect((await put(developer.session, developer.user.id, { availability: "available" })).status).toBe(200);
    expect(await profileOf(developer.user.id)).toMatchObject({ availability: "available", capacity: 6 });
  });
});
