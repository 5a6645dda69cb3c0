import { beforeAll, describe, expect, it } from "vitest";
import { jsonRequest, type Session } from "../support/factories.ts";
import { signedIn } from "./support/accounts.ts";
import { workerFetch } from "./support/requests.ts";

let admin: Session;
let developer: Awaited<ReturnType<typeof signedIn>>;
let reporter: Awaited<ReturnType<typeof signedIn>>;
let teamId: string;
let categoryId: string;
beforeAll(async () => {
  // One at a time: the WASM argon2 of concurrent sign-ins blocks the isolate past the rate
  // limiter's 300 ms Redis deadline on a loaded machine (fail closed: 503).
  admin = (await signedIn("admin")).session;
  developer = await signedIn("developer");
  reporter = await signedIn("reporter");
  teamId = (
    await created<{ id: string }>(
      workerFetch("/v1/teams", jsonRequest("POST", { name: unique("Comments team") }, admin.headers)),
    )
  ).id;
  await workerFetch(
    `/v1/teams/${teamId}/members/${developer.user.id}`,
    jsonRequest("PUT", { role: "member" }, admin.headers),
  );
  categoryId = (
    await created<{ id: string }>(
      workerFetch(
        "/v1/categories",
        jsonRequest("POST", { name: unique("Comments"), defaultTeamId: teamId }, admin.headers),
      ),
    )
  ).id;
});

const unique = (label: string) => `${label} ${crypto.randomUUID().slice(0, 8)}`;

async function created<T>(response: Promise<Response>): Promise<T> {
  const settled = await response;
  if (settled.status !== 201) throw new Error(`expected 201, got ${settled.status}: ${await settled.text()}`);
  return (await settled.json()) as T;
}

/** A ticket of the reporter's, routed to the developer's team, and its comments path. */
async function reportedTicket(): Promise<string> {
  const ticket = await created<{ id: string; teamId: string }>(
    workerFetch(
      "/v1/tickets",
      jsonRequest("POST", { title: "Broken in workerd?", categoryId }, reporter.session.headers),
    ),
  );
  expect(ticket.teamId).toBe(teamId);
  return `/v1/tickets/${ticket.id}/comments`;
}

const comment = (comments: string, session: Session, body: Record<string, unknown>) =>
  workerFetch(comments, jsonRequest("POST", body, session.headers));

async function bodiesFor(comments: string, session: Session): Promise<string[]> {
  const response = await workerFetch(comments, { headers: session.headers });
  return ((await response.json()) as { data: { body: string }[] }).data.map((entry) => entry.body);
}

describe("comments inside workerd", () => {
  it("keeps internal comments from the reporter, and shows them to the team", async () => {
    const comments = await reportedTicket();
    await created(comment(comments, reporter.session, { body: "Still broken" }));
    await created(comment(comments, developer.session, { body: "Staff only", visibility: "internal" }));
    expect(await bodiesFor(comments, reporter.session)).toEqual(["Still broken"]);
    expect(await bodiesFor(comments, developer.session)).toEqual(["Still broken", "Staff only"]);
  });

  it("refuses the reporter an internal comment with 403", async () => {
    const comments = await reportedTicket();
    const refused = await comment(comments, reporter.session, { body: "Me too", visibility: "internal" });
    expect(refused.status).toBe(403);
    expect(await bodiesFor(comments, developer.session)).toEqual([]);
  });

  it("lets only the author edit, with If-Match, and delete", async () => {
    const comments = await reportedTicket();
    const mine = await created<{ id: string }>(comment(comments, reporter.session, { body: "Still broken" }));
    const path = `${comments}/${mine.id}`;
    const hijack = await workerFetch(
      path,
      jsonRequest("PATCH", { body: "Hijacked" }, developer.session.headers),
    );
    expect(hijack.status).toBe(403);
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
    expect(await bodiesFor(comments, reporter.session)).toEqual([]);
  });
});
