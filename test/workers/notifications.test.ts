import { beforeAll, describe, expect, it } from "vitest";
import { jsonRequest, type Session } from "../support/factories.ts";
import { signedIn } from "./support/accounts.ts";
import { workerFetch } from "./support/requests.ts";

let admin: Session;
let developer: Awaited<ReturnType<typeof signedIn>>;
let outsider: Awaited<ReturnType<typeof signedIn>>;
let reporter: Awaited<ReturnType<typeof signedIn>>;
let categoryId: string;
beforeAll(async () => {
  // One at a time: concurrent WASM argon2 sign-ins block the isolate (see comments.test.ts).
  admin = (await signedIn("admin")).session;
  developer = await signedIn("developer");
  outsider = await signedIn("developer");
  reporter = await signedIn("reporter");
  const team = await created<{ id: string }>(
    workerFetch("/v1/teams", jsonRequest("POST", { name: unique("Inbox team") }, admin.headers)),
  );
  await workerFetch(
    `/v1/teams/${team.id}/members/${developer.user.id}`,
    jsonRequest("PUT", { role: "member" }, admin.headers),
  );
  categoryId = (
    await created<{ id: string }>(
      workerFetch(
        "/v1/categories",
        jsonRequest("POST", { name: unique("Inbox"), defaultTeamId: team.id }, admin.headers),
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

type Inbox = { data: { id: string; seq: number; kind: string; count: number; ticket: { id: string } }[] };

async function inboxAbout(session: Session, ticketId: string) {
  const response = await workerFetch("/v1/notifications?limit=100", { headers: session.headers });
  expect(response.status).toBe(200);
  return ((await response.json()) as Inbox).data.filter((item) => item.ticket.id === ticketId);
}

async function unreadOf(session: Session): Promise<number> {
  const response = await workerFetch("/v1/notifications/unread-count", { headers: session.headers });
  return ((await response.json()) as { unread: number }).unread;
}

describe("notifications inside workerd", () => {
  it("watch, mention, fold, keep internal comments from the reporter, and mark all read", async () => {
    const ticket = await created<{ id: string }>(
      workerFetch(
        "/v1/tickets",
        jsonRequest("POST", { title: "Inbox in workerd", categoryId }, reporter.session.headers),
      ),
    );
    const comments = `/v1/tickets/${ticket.id}/comments`;
    const post = (session: Session, body: Record<string, unknown>) =>
      created<{ mentions: { userId: string }[]; unreachableMentions?: string[] }>(
        workerFetch(comments, jsonRequest("POST", body, session.headers)),
      );

    const mentioned = await post(admin, { body: `<@${developer.user.id}> <@${outsider.user.id}> look` });
    expect(mentioned.mentions.map((mention) => mention.userId)).toEqual([developer.user.id]);
    expect(mentioned.unreachableMentions).toEqual([outsider.user.id]);
    await post(admin, { body: "more" });
    await post(admin, { body: "staff only", visibility: "internal" });

    expect((await inboxAbout(reporter.session, ticket.id)).map((item) => [item.kind, item.count])).toEqual([
      ["commented", 2],
    ]);
    // The developer was mentioned, then (now watching) heard of the next comments.
    const developers = await inboxAbout(developer.session, ticket.id);
    expect(developers.map((item) => item.kind).sort()).toEqual(["commented", "commented", "mentioned"]);
    expect(await inboxAbout(outsider.session, ticket.id)).toEqual([]);

    const top = Math.max(...developers.map((item) => item.seq));
    const marked = await workerFetch(
      "/v1/notifications/read-all",
      jsonRequest("POST", { upToSeq: top }, developer.session.headers),
    );
    expect(marked.status).toBe(200);
    expect(await unreadOf(developer.session)).toBe(0);

    const watchers = await workerFetch(`/v1/tickets/${ticket.id}/watchers`, { headers: admin.headers });
    const listed = ((await watchers.json()) as { data: { userId: string }[] }).data.map((row) => row.userId);
    expect(listed).toEqual(expect.arrayContaining([reporter.user.id, developer.user.id]));
    expect(listed).not.toContain(outsider.user.id);
  });
});
