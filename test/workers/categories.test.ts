import { beforeAll, describe, expect, it } from "vitest";
import { jsonRequest, type Session } from "../support/factories.ts";
import { signedIn } from "./support/accounts.ts";
import { workerFetch } from "./support/requests.ts";

let admin: Session;
beforeAll(async () => {
  admin = (await signedIn("admin")).session;
});

const uniqueName = (label: string) => `${label} ${crypto.randomUUID().slice(0, 8)}`;
const create = async (body: Record<string, unknown>) => {
  const response = await workerFetch(
    "/v1/categories",
    jsonRequest("POST", { name: uniqueName("Cat"), ...body }, admin.headers),
  );
  expect(response.status).toBe(201);
  return (await response.json()) as { id: string; name: string };
};

describe("categories inside workerd", () => {
  it("creates a tree, refuses a cycle and a parent's delete, and reads fresh after writes", async () => {
    const parent = await create({});
    const child = await create({ parentId: parent.id });

    const cycle = await workerFetch(
      `/v1/categories/${parent.id}`,
      jsonRequest("PATCH", { parentId: child.id }, admin.headers),
    );
    expect(cycle.status).toBe(409);
    expect(((await cycle.json()) as { cycle: string[] }).cycle).toEqual([parent.id, child.id, parent.id]);

    const blocked = await workerFetch(`/v1/categories/${parent.id}`, {
      method: "DELETE",
      headers: admin.headers,
    });
    expect(blocked.status).toBe(409);

    const reporter = await signedIn("reporter");
    const listPath = `/v1/categories?parentId=${parent.id}`;
    const before = (await (await workerFetch(listPath, { headers: reporter.session.headers })).json()) as {
      data: { id: string; name: string }[];
    };
    expect(before.data.map((row) => row.id)).toEqual([child.id]);

    const name = uniqueName("Renamed");
    expect(
      (await workerFetch(`/v1/categories/${child.id}`, jsonRequest("PATCH", { name }, admin.headers))).status,
    ).toBe(200);
    const after = (await (await workerFetch(listPath, { headers: reporter.session.headers })).json()) as {
      data: { name: string }[];
    };
    expect(after.data.map((row) => row.name)).toEqual([name]);

    expect(
      (await workerFetch(`/v1/categories/${child.id}`, { method: "DELETE", headers: admin.headers })).status,
    ).toBe(204);
    expect(
      (await workerFetch(`/v1/categories/${child.id}`, { headers: reporter.session.headers })).status,
    ).toBe(404);
    expect(
      (await workerFetch(`/v1/categories/${parent.id}`, { method: "DELETE", headers: admin.headers })).status,
    ).toBe(204);
  });

  it("forbids reporters from writing", async () => {
    const reporter = await signedIn("reporter");
    const response = await workerFetch(
      "/v1/categories",
      jsonRequest("POST", { name: uniqueName("No") }, reporter.session.headers),
    );
    expect(response.status).toBe(403);
  });
});

describe("category team scoping inside workerd", () => {
  it("refuses a manager rerouting another team's category, lets the team's lead change it", async () => {
    const newTeam = async (leadId: string) => {
      const team = (await (
        await workerFetch("/v1/teams", jsonRequest("POST", { name: uniqueName("Team") }, admin.headers))
      ).json()) as { id: string };
      await workerFetch(
        `/v1/teams/${team.id}/members/${leadId}`,
        jsonRequest("PUT", { role: "lead" }, admin.headers),
      );
      return team;
    };
    const webLead = await signedIn("manager");
    const paymentsLead = await signedIn("manager");
    const web = await newTeam(webLead.user.id);
    const payments = await newTeam(paymentsLead.user.id);
    const billing = await create({ defaultTeamId: payments.id });

    const reroute = await workerFetch(
      `/v1/categories/${billing.id}`,
      jsonRequest("PATCH", { defaultTeamId: web.id }, webLead.session.headers),
    );
    expect(reroute.status).toBe(403);
    expect(((await reroute.json()) as { code: string }).code).toBe("not_team_lead");
    const byLead = await workerFetch(
      `/v1/categories/${billing.id}`,
      jsonRequest("PATCH", { description: "Invoices" }, paymentsLead.session.headers),
    );
    expect(byLead.status).toBe(200);
    expect(await byLead.json()).toMatchObject({ defaultTeamId: payments.id, description: "Invoices" });
  });
});
