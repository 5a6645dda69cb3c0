import { beforeAll, describe, expect, it } from "vitest";
import { jsonRequest, type Session } from "../support/factories.ts";
import { signedIn } from "./support/accounts.ts";
import { workerFetch } from "./support/requests.ts";

let admin: Session;
beforeAll(async () => {
  admin = (await signedIn("admin")).session;
});

const unique = (label: string) => `${label} ${crypto.randomUUID().slice(0, 8)}`;

async function expectStatus<T>(response: Promise<Response>, status: number): Promise<T> {
  const settled = await response;
  if (settled.status !== status)
    throw new Error(`expected ${status}, got ${settled.status}: ${await settled.text()}`);
  return (await settled.json()) as T;
}

/**
 * A team of its own per test (capacity is state): its lead manager, an expert and a novice
 * developer of capacity 1 each, skilled in one category, and a way to report urgent tickets there.
 */
async function assignmentWorld() {
  // One at a time: concurrent WASM argon2 sign-ins block the isolate past the limiter's deadline.
  const manager = await signedIn("manager");
  const expert = await signedIn("developer");
  const novice = await signedIn("developer");
  const team = await expectStatus<{ id: string }>(
    workerFetch("/v1/teams", jsonRequest("POST", { name: unique("Assign team") }, admin.headers)),
    201,
  );
  const members: [string, string][] = [
    [manager.user.id, "lead"],
    [expert.user.id, "member"],
    [novice.user.id, "member"],
  ];
  for (const [userId, role] of members) {
    await workerFetch(`/v1/teams/${team.id}/members/${userId}`, jsonRequest("PUT", { role }, admin.headers));
  }
  const category = await expectStatus<{ id: string }>(
    workerFetch("/v1/categories", jsonRequest("POST", { name: unique("Assign") }, admin.headers)),
    201,
  );
  for (const [developer, level] of [
    [expert, 5],
    [novice, 1],
  ] as const) {
    await expectStatus(
      workerFetch(
        `/v1/developers/${developer.user.id}/profile`,
        jsonRequest("PUT", { capacity: 1, skills: [{ categoryId: category.id, level }] }, admin.headers),
      ),
      201,
    );
  }
  const newTicket = async () => {
    const ticket = await expectStatus<{ id: string }>(
      workerFetch(
        "/v1/tickets",
        jsonRequest(
          "POST",
          { title: unique("Assign me"), teamId: team.id, categoryId: category.id, priority: "urgent" },
          admin.headers,
        ),
      ),
      201,
    );
    return `/v1/tickets/${ticket.id}/assignment`;
  };
  const autoAssign = (assignment: string) =>
    expectStatus<{ ticket: { assigneeId: string }; change: { strategy: string } }>(
      workerFetch(assignment, jsonRequest("POST", { strategy: "auto" }, manager.session.headers)),
      200,
    );
  return { manager, expert, novice, newTicket, autoAssign };
}

describe("assignment inside workerd", () => {
  it("suggests the team's developers, the most skilled first", async () => {
    const { manager, expert, novice, newTicket } = await assignmentWorld();
    const suggestions = await expectStatus<{ candidates: { userId: string; rank: number }[] }>(
      workerFetch(`${await newTicket()}/suggestions`, { headers: manager.session.headers }),
      200,
    );
    expect(suggestions.candidates.map((candidate) => candidate.userId)).toEqual([
      expert.user.id,
      novice.user.id,
    ]);
  });

  it("auto-assigns to the most skilled developer with room", async () => {
    const { expert, newTicket, autoAssign } = await assignmentWorld();
    const auto = await autoAssign(await newTicket());
    expect(auto.ticket.assigneeId).toBe(expert.user.id);
    expect(auto.change.strategy).toBe("auto");
  });

  it("refuses a developer at capacity with 409 at_capacity", async () => {
    const { manager, expert, newTicket, autoAssign } = await assignmentWorld();
    await autoAssign(await newTicket());
    const full = await workerFetch(
      await newTicket(),
      jsonRequest("POST", { assigneeId: expert.user.id }, manager.session.headers),
    );
    expect(full.status).toBe(409);
    expect(((await full.json()) as { code: string }).code).toBe("at_capacity");
  });

  it("lets the assignee unassign themselves, and records both changes in the history", async () => {
    const { expert, newTicket, autoAssign } = await assignmentWorld();
    const assignment = await newTicket();
    await autoAssign(assignment);
    expect(
      (await workerFetch(assignment, { method: "DELETE", headers: expert.session.headers })).status,
    ).toBe(200);
    const history = await expectStatus<{ data: { strategy: string }[] }>(
      workerFetch(`${assignment}/history`, { headers: admin.headers }),
      200,
    );
    expect(history.data.map((entry) => entry.strategy)).toEqual(["unassign", "auto"]);
  });
});
