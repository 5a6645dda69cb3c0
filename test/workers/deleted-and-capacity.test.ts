import { beforeAll, describe, expect, it } from "vitest";
import { jsonRequest, type Session } from "../support/factories.ts";
import { signedIn } from "./support/accounts.ts";
import { workerFetch } from "./support/requests.ts";

let admin: Session;
beforeAll(async () => {
  admin = (await signedIn("admin")).session;
});

const unique = (label: string) => `${label} ${crypto.randomUUID().slice(0, 8)}`;

async function call<T = Record<string, unknown>>(
  method: string,
  path: string,
  body?: unknown,
  session = admin,
) {
  const response = await workerFetch(
    path,
    body === undefined ? { method, headers: session.headers } : jsonRequest(method, body, session.headers),
  );
  if (response.status >= 300)
    throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return (response.status === 204 ? undefined : await response.json()) as T;
}

async function teamWith(members: [string, "lead" | "member"][]) {
  const team = await call<{ id: string }>("POST", "/v1/teams", { name: unique("Workerd team") });
  for (const [userId, role] of members) await call("PUT", `/v1/teams/${team.id}/members/${userId}`, { role });
  return team.id;
}

describe("deleted content inside workerd", () => {
  it("leaves a deleted ticket's events to a tombstone for a developer who joins later, brings them back on restore", async () => {
    const latecomer = await signedIn("developer");
    const teamId = await teamWith([]);
    const ticket = await call<{ id: string }>("POST", "/v1/tickets", { title: "Secret outage", teamId });
    await call("POST", `/v1/tickets/${ticket.id}/comments`, { body: "hunter2", visibility: "internal" });
    await call("DELETE", `/v1/tickets/${ticket.id}`);
    await call("PUT", `/v1/teams/${teamId}/members/${latecomer.user.id}`, { role: "member" });

    const history = () =>
      call<{ data: { type: string }[] }>(
        "GET",
        `/v1/events/history?ticketId=${ticket.id}`,
        undefined,
        latecomer.session,
      );
    const hidden = await history();
    expect(hidden.data.map((event) => event.type)).toEqual(["ticket.deleted"]);
    expect(JSON.stringify(hidden)).not.toContain("hunter2");
    expect(JSON.stringify(hidden)).not.toContain("Secret outage");

    await call("POST", `/v1/tickets/${ticket.id}/restore`);
    expect((await history()).data.map((event) => event.type)).toEqual([
      "ticket.created",
      "comment.created",
      "ticket.deleted",
      "ticket.restored",
    ]);
  });
});

describe("capacity and assignment history inside workerd", () => {
  it("refuses a reopen and a restore over capacity, and shows reporters no score", async () => {
    const manager = await signedIn("manager");
    const developer = await signedIn("developer");
    const reporter = await signedIn("reporter");
    const teamId = await teamWith([
      [manager.user.id, "lead"],
      [developer.user.id, "member"],
    ]);
    await call("PUT", `/v1/developers/${developer.user.id}/profile`, { capacity: 1 });
    const newTicket = async () => {
      const ticket = await call<{ id: string }>(
        "POST",
        "/v1/tickets",
        { title: unique("Load") },
        reporter.session,
      );
      await call("PATCH", `/v1/tickets/${ticket.id}`, { teamId });
      return ticket.id;
    };

    const first = await newTicket();
    await call("POST", `/v1/tickets/${first}/assignment`, { strategy: "auto" }, manager.session);
    const history = await call<{ data: { score: unknown; assigneeId: string }[] }>(
      "GET",
      `/v1/tickets/${first}/assignment/history`,
      undefined,
      reporter.session,
    );
    expect(history.data).toEqual([expect.objectContaining({ assigneeId: developer.user.id, score: null })]);

    await call("PATCH", `/v1/tickets/${first}`, { status: "in_progress" }, developer.session);
    await call("PATCH", `/v1/tickets/${first}`, { status: "resolved" }, developer.session);
    const second = await newTicket();
    await call(
      "POST",
      `/v1/tickets/${second}/assignment`,
      { assigneeId: developer.user.id },
      manager.session,
    );

    const reopen = await workerFetch(
      `/v1/tickets/${first}`,
      jsonRequest("PATCH", { status: "in_progress" }, manager.session.headers),
    );
    expect(reopen.status).toBe(409);
    expect(await reopen.json()).toMatchObject({ code: "at_capacity", capacity: 1, openLoad: 1 });

    await call("PATCH", `/v1/tickets/${second}`, { status: "in_progress" }, developer.session);
    await call("DELETE", `/v1/tickets/${second}`, undefined, manager.session);
    await call("PATCH", `/v1/tickets/${first}`, { status: "in_progress" }, manager.session);
    const restore = await workerFetch(`/v1/tickets/${second}/restore`, {
      method: "POST",
      headers: manager.session.headers,
    });
    expect(restore.status).toBe(409);
    expect(((await restore.json()) as { code: string }).code).toBe("at_capacity");
  });
});
