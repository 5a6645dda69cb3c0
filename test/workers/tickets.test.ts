import { beforeAll, describe, expect, it } from "vitest";
import type { Ticket } from "../../src/features/tickets/schemas.ts";
import { jsonRequest, type Session } from "../support/factories.ts";
import { signedIn } from "./support/accounts.ts";
import { workerFetch } from "./support/requests.ts";

let admin: Session;
let reporter: Session;
let otherReporter: Session;
beforeAll(async () => {
  [admin, reporter, otherReporter] = (
    await Promise.all([signedIn("admin"), signedIn("reporter"), signedIn("reporter")])
  ).map((person) => person.session) as [Session, Session, Session];
});

const tag = `workerd-${crypto.randomUUID().slice(0, 8)}`;

async function report(
  title: string,
  tags: string[] = [tag],
): Promise<{ ticket: Ticket; response: Response }> {
  const response = await workerFetch(
    "/v1/tickets",
    jsonRequest(
      "POST",
      { title, tags, priority: "high" },
      { ...reporter.headers, "Idempotency-Key": crypto.randomUUID() },
    ),
  );
  expect(response.status).toBe(201);
  return { ticket: (await response.clone().json()) as Ticket, response };
}

const patch = (id: string, body: unknown, headers: Record<string, string>) =>
  workerFetch(`/v1/tickets/${id}`, jsonRequest("PATCH", body, headers));

describe("tickets inside workerd", () => {
  it("creates a ticket with normalized tags and its Location", async () => {
    const { ticket, response } = await report("Kettle leaks in workerd", [tag, "Kitchen"]);
    expect(ticket).toMatchObject({ status: "open", priority: "high", tags: [tag, "kitchen"] });
    expect(response.headers.get("Location")).toBe(`/v1/tickets/${ticket.id}`);
  });

  it("shows the ticket to its reporter with an ETag, and as missing to another reporter", async () => {
    const { ticket } = await report("Readable in workerd");
    const read = await workerFetch(`/v1/tickets/${ticket.id}`, { headers: reporter.headers });
    expect(read.status).toBe(200);
    expect(read.headers.get("ETag")).toBe('"1"');
    const other = await workerFetch(`/v1/tickets/${ticket.id}`, { headers: otherReporter.headers });
    expect(other.status).toBe(404);
  });

  it("finds the ticket by tag and full-text search, with the total", async () => {
    const searchTag = `${tag}-search`;
    const { ticket } = await report("Kettle leaks in workerd", [searchTag]);
    const listed = await workerFetch(`/v1/tickets?tag=${searchTag}&q=kettle&count=true`, {
      headers: reporter.headers,
    });
    expect(listed.status).toBe(200);
    expect(await listed.json()).toMatchObject({ data: [{ id: ticket.id }], nextCursor: null, total: 1 });
  });

  it("refuses the reporter a priority change with 403", async () => {
    const { ticket } = await report("Not yours to triage");
    expect((await patch(ticket.id, { priority: "low" }, reporter.headers)).status).toBe(403);
  });

  it("moves the status with If-Match, refuses a stale version with 412", async () => {
    const { ticket } = await report("Versioned in workerd");
    const patched = await patch(
      ticket.id,
      { status: "in_progress" },
      { ...admin.headers, "If-Match": '"1"' },
    );
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ status: "in_progress", version: 2 });
    const stale = await patch(ticket.id, { status: "blocked" }, { ...admin.headers, "If-Match": '"1"' });
    expect(stale.status).toBe(412);
  });

  it("refuses a step the workflow does not allow with 409 naming the allowed ones", async () => {
    const { ticket } = await report("Workflow in workerd");
    expect((await patch(ticket.id, { status: "in_progress" }, admin.headers)).status).toBe(200);
    const invalid = await patch(ticket.id, { status: "closed" }, admin.headers);
    expect(invalid.status).toBe(409);
    expect(await invalid.json()).toMatchObject({ allowed: ["blocked", "resolved"] });
  });

  it("deletes and restores a ticket, and lists each change in its activity", async () => {
    const { ticket } = await report("Deleted in workerd");
    expect((await patch(ticket.id, { status: "in_progress" }, admin.headers)).status).toBe(200);
    const deleted = await workerFetch(`/v1/tickets/${ticket.id}`, {
      method: "DELETE",
      headers: admin.headers,
    });
    expect(deleted.status).toBe(204);
    expect((await workerFetch(`/v1/tickets/${ticket.id}`, { headers: reporter.headers })).status).toBe(404);
    const restored = await workerFetch(`/v1/tickets/${ticket.id}/restore`, {
      method: "POST",
      headers: admin.headers,
    });
    expect(restored.status).toBe(200);
    expect(await restored.json()).toMatchObject({ deletedAt: null, version: 4 });

    const activity = await workerFetch(`/v1/tickets/${ticket.id}/activity`, { headers: reporter.headers });
    expect(activity.status).toBe(200);
    const { data } = (await activity.json()) as { data: { action: string }[] };
    expect(data.map((row) => row.action)).toEqual([
      "ticket.restored",
      "ticket.deleted",
      "ticket.status_changed",
      "ticket.created",
    ]);
  });

  it("pages through a list with cursors", async () => {
    const pageTag = `${tag}-pages`;
    for (let index = 0; index < 3; index++) {
      const response = await workerFetch(
        "/v1/tickets",
        jsonRequest("POST", { title: `Page ${index}`, tags: [pageTag] }, reporter.headers),
      );
      expect(response.status).toBe(201);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const response = await workerFetch(
        `/v1/tickets?tag=${pageTag}&sort=createdAt&limit=2${cursor ? `&cursor=${cursor}` : ""}`,
        { headers: reporter.headers },
      );
      const page = (await response.json()) as { data: Ticket[]; nextCursor: string | null };
      seen.push(...page.data.map((ticket) => ticket.title));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(["Page 0", "Page 1", "Page 2"]);
  });
});
