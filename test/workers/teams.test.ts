import { beforeAll, describe, expect, it } from "vitest";
import { jsonRequest, type Session } from "../support/factories.ts";
import { createUser, signedIn } from "./support/accounts.ts";
import { workerFetch } from "./support/requests.ts";

let admin: Session;
beforeAll(async () => {
  admin = (await signedIn("admin")).session;
});

const uniqueName = (label: string) => `${label} ${crypto.randomUUID().slice(0, 8)}`;

describe("teams inside workerd", () => {
  it("creates, reads, renames, staffs and deletes a team", async () => {
    const name = uniqueName("Workers team");
    const created = await workerFetch("/v1/teams", jsonRequest("POST", { name }, admin.headers));
    expect(created.status).toBe(201);
    const team = (await created.json()) as { id: string; version: number };

    const read = await workerFetch(`/v1/teams/${team.id}`, { headers: admin.headers });
    expect(read.status).toBe(200);
    expect(read.headers.get("ETag")).toBe('"1"');

    const renamed = await workerFetch(
      `/v1/teams/${team.id}`,
      jsonRequest("PATCH", { name: `${name} renamed` }, { ...admin.headers, "If-Match": '"1"' }),
    );
    expect(renamed.status).toBe(200);
    const reread = (await (await workerFetch(`/v1/teams/${team.id}`, { headers: admin.headers })).json()) as {
      name: string;
    };
    expect(reread.name).toBe(`${name} renamed`);

    const developer = await createUser({ role: "developer" });
    const memberPath = `/v1/teams/${team.id}/members/${developer.id}`;
    expect(
      (await workerFetch(memberPath, jsonRequest("PUT", { role: "member" }, admin.headers))).status,
    ).toBe(201);
    expect((await workerFetch(memberPath, jsonRequest("PUT", { role: "lead" }, admin.headers))).status).toBe(
      200,
    );
    const members = (await (
      await workerFetch(`/v1/teams/${team.id}/members`, { headers: admin.headers })
    ).json()) as { data: { userId: string; role: string }[] };
    expect(members.data).toEqual([expect.objectContaining({ userId: developer.id, role: "lead" })]);
    expect((await workerFetch(memberPath, { method: "DELETE", headers: admin.headers })).status).toBe(204);

    const stale = await workerFetch(`/v1/teams/${team.id}`, {
      method: "DELETE",
      headers: { ...admin.headers, "If-Match": '"1"' },
    });
    expect(stale.status).toBe(412);
    expect(
      (await workerFetch(`/v1/teams/${team.id}`, { method: "DELETE", headers: admin.headers })).status,
    ).toBe(204);
    expect((await workerFetch(`/v1/teams/${team.id}`, { headers: admin.headers })).status).toBe(404);
  });

  it("shows a reporter only their own teams and makes a manager the lead of the team they create", async () => {
    const manager = await signedIn("manager");
    const created = await workerFetch(
      "/v1/teams",
      jsonRequest("POST", { name: uniqueName("Led") }, manager.session.headers),
    );
    expect(created.status).toBe(201);
    const team = (await created.json()) as { id: string };
    const reporter = await signedIn("reporter");
    expect((await workerFetch(`/v1/teams/${team.id}`, { headers: reporter.session.headers })).status).toBe(
      404,
    );
    const joined = await workerFetch(
      `/v1/teams/${team.id}/members/${reporter.user.id}`,
      jsonRequest("PUT", { role: "member" }, manager.session.headers),
    );
    expect(joined.status).toBe(201);
    const page = (await (await workerFetch("/v1/teams", { headers: reporter.session.headers })).json()) as {
      data: { id: string }[];
    };
    expect(page.data.map((row) => row.id)).toEqual([team.id]);
  });
});
