import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCategoryAs, type TestCategory } from "../support/factories/categories.ts";
import { insertTeam, uniqueName } from "../support/factories/teams.ts";
import { jsonRequest, type Session, signedIn } from "../support/factories.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";

let ctx: TestContext;
let admin: Session;
/** Leads Web only. */
let webLead: Session;
/** Leads Payments. */
let paymentsLead: Session;
let reporter: Session;
let web: { id: string };
let payments: { id: string };
beforeAll(async () => {
  ctx = await createTestContext({ env: { TRUST_PROXY: "true" } });
  admin = (await signedIn(ctx, "admin")).session;
  const webManager = await signedIn(ctx, "manager");
  const paymentsManager = await signedIn(ctx, "manager");
  webLead = webManager.session;
  paymentsLead = paymentsManager.session;
  reporter = (await signedIn(ctx, "reporter")).session;
  web = await insertTeam(ctx, [{ userId: webManager.user.id, role: "lead" }]);
  payments = await insertTeam(ctx, [{ userId: paymentsManager.user.id, role: "lead" }]);
});
afterAll(() => ctx.close());

const post = (session: Session, body: unknown) =>
  ctx.app.request("/v1/categories", jsonRequest("POST", body, session.headers));
const patch = (session: Session, id: string, body: unknown) =>
  ctx.app.request(`/v1/categories/${id}`, jsonRequest("PATCH", body, session.headers));
const remove = (session: Session, id: string) =>
  ctx.app.request(`/v1/categories/${id}`, { method: "DELETE", headers: session.headers });
const problemOf = async (response: Response) =>
  (await response.json()) as { code: string; errors?: { path: string }[] };

async function expectNotLead(response: Response, path?: string) {
  expect(response.status).toBe(403);
  const problem = await problemOf(response);
  expect(problem.code).toBe("not_team_lead");
  if (path) expect(problem.errors?.map((error) => error.path)).toEqual([path]);
}

describe("a manager writes only the categories of the teams they lead", () => {
  it("cannot reroute another team's category into their own (new tickets stay with that team)", async () => {
    const billing = await createCategoryAs(ctx, admin, {
      name: uniqueName("Billing"),
      defaultTeamId: payments.id,
    });

    await expectNotLead(await patch(webLead, billing.id, { defaultTeamId: web.id }));
    await expectNotLead(await patch(webLead, billing.id, { name: uniqueName("Renamed") }));
    await expectNotLead(await remove(webLead, billing.id));

    const read = (await (
      await ctx.app.request(`/v1/categories/${billing.id}`, { headers: admin.headers })
    ).json()) as TestCategory;
    expect(read).toMatchObject({ defaultTeamId: payments.id, version: 1, name: billing.name });
    const ticket = await ctx.app.request(
      "/v1/tickets",
      jsonRequest("POST", { title: "Invoice wrong", categoryId: billing.id }, reporter.headers),
    );
    expect(((await ticket.json()) as { teamId: string }).teamId).toBe(payments.id);
  });

  it("routes categories only to a team they lead, on create and on change (403 naming defaultTeamId)", async () => {
    await expectNotLead(
      await post(webLead, { name: uniqueName(), defaultTeamId: payments.id }),
      "body.defaultTeamId",
    );
    const shared = await createCategoryAs(ctx, admin);
    await expectNotLead(
      await patch(webLead, shared.id, { defaultTeamId: payments.id }),
      "body.defaultTeamId",
    );

    const routed = await patch(webLead, shared.id, { defaultTeamId: web.id });
    expect(routed.status).toBe(200);
    expect(((await routed.json()) as TestCategory).defaultTeamId).toBe(web.id);
    expect((await post(webLead, { name: uniqueName(), defaultTeamId: web.id })).status).toBe(201);
  });

  it("lets the lead change and delete their own team's category, and admins any", async () => {
    const billing = await createCategoryAs(ctx, admin, { defaultTeamId: payments.id });
    expect((await patch(paymentsLead, billing.id, { description: "Invoices" })).status).toBe(200);
    expect((await patch(paymentsLead, billing.id, { defaultTeamId: null })).status).toBe(200);
    const other = await createCategoryAs(ctx, admin, { defaultTeamId: payments.id });
    expect((await patch(admin, other.id, { defaultTeamId: web.id })).status).toBe(200);
    expect((await remove(webLead, other.id)).status).toBe(204);
    expect((await remove(paymentsLead, billing.id)).status).toBe(204);
  });
});
