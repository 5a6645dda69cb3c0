import { beforeAll, describe, expect, it } from "vitest";
import { jsonRequest, type Session } from "../support/factories.ts";
import { signedIn } from "./support/accounts.ts";
import { workerFetch } from "./support/requests.ts";

let admin: Session;
beforeAll(async () => {
  admin = (await signedIn("admin")).session;
});

const unique = (label: string) => `${label} ${crypto.randomUUID().slice(0, 8)}`;

async function created<T>(response: Promise<Response>): Promise<T> {
  const settled = await response;
  if (settled.status !== 201) throw new Error(`expected 201, got ${settled.status}: ${await settled.text()}`);
  return (await settled.json()) as T;
}

describe("comments inside workerd", () => {
  it("keeps internal comments from the reporter and lets only the author edit and delete", async () => {
    const developer = await signedIn("developer");
    const reporter = await signedIn("reporter");
    const team = await created<{ id: string }>(
      workerFetch("/v1/teams", jsonRequest("POST", { name: unique("Comments team") }, admin.headers)),
    );
    await workerFetch(
      `/v1/teams/${team.id}/members/${developer.user.id}`,
      jsonRequest("PUT", { role: "member" }, admin.headers),
    );
    const category = await created<{ id: string }>(
      workerFetch(
        "/v1/categories",
        jsonRequest("POST", { name: unique("Comments"), defaultTeamId: team.id }, admin.headers),
      ),
    );
    const ticket = await created<{ id: string; teamId: string }>(
      workerFetch(
        "/v1/tickets",
        jsonRequest(
          "POST",
          { title: "Broken in workerd?", categoryId: category.id },
          reporter.session.headers,
        ),
      ),
    );
    expect(ticket.teamId).toBe(team.id);
    const comments = `/v1/tickets/${ticket.id}/comments`;

    const mine = await created<{ id: string }>(
      workerFetch(comments, jsonRequest("POST", { body: "Still broken" }, reporter.session.headers)),
    );
    await created(
      workerFetch(
        comments,
        jsonRequest("POST", { body: "Staff only", visibility: "internal" }, developer.session.headers),
      ),
    );
    const refused = await workerFetch(
      comments,
      jsonRequest("POST", { body: "Me too", visibility: "internal" }, reporter.session.headers),
    );
    expect(refused.status).toBe(403);

    const bodiesFor = async (session: Session) =>
      (
        (await (await workerFetch(comments, { headers: session.headers })).json()) as {
          data: { body: string }[];
        }
      ).data.map((comment) => comment.body);
    expect(await bodiesFor(reporter.session)).toEqual(["Still broken"]);
    expect(await bodiesFor(developer.session)).toEqual(["Still broken", "Staff only"]);

    const path = `${comments}/${mine.id}`;
    expect(
      (await workerFetch(path, jsonRequest("PATCH", { body: "Hijacked" }, developer.session.headers))).status,
    ).toBe(403);
    const edited = await workerFetch(
      path,
      jsonRequest(
        "PATCH",
        { body: "Still broken, sorry" },
        { ...reporter.session.headers, "If-Match": '"1"' },
      ),
    );
    expect(edited.status).toBe(200);
    expect(edited.headers.get("ETag")).toBe('"2"');
    const deleted = await workerFetch(path, {
      method: "DELETE",
      headers: { ...reporter.session.headers, "If-Match": '"2"' },
    });
    expect(deleted.status).toBe(204);
    expect(await bodiesFor(reporter.session)).toEqual([]);
  });
});
