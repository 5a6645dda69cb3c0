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

describe("tickets inside workerd", () => {
  it("creates, reads, lists, patches, deletes and restores a ticket", async () => {
    const created = await workerFetch(
      "/v1/tickets",
      jsonRequest(
        "POST",
        { title: "Kettle leaks in workerd", tags: [tag, "Kitchen"], priority: "high" },
        { ...reporter.headers, "Idempotency-Key": crypto.randomUUID() },
      ),
    );
    expect(created.status).toBe(201);
    const ticket = (await created.json()) as Ticket;
    expect(ticket).toMatchObject({ status: "open", priority: "high", tags: [tag, "kitchen"] });
    expect(created.headers.get("Location")).toBe(`/v1/tickets/${ticket.id}`);

    const read = await workerFetch(`/v1/tickets/${ticket.id}`, { headers: reporter.headers });
    expect(read.status).toBe(200);
    expect(read.headers.get("ETag")).toBe('"1"');
    expect((await workerFetch(`/v1/tickets/${ticket.id}`, { headers: otherReporter.headers })).status).toBe(
      404,
    );

    const listed = await workerFetch(`/v1/tickets?tag=${tag}&q=kettle&count=true`, {
      headers: reporter.headers,
    });
    expect(listed.status).toBe(200);
    expect(await listed.json()).toMatchObject({ data: [{ id: ticket.id }], nextCursor: null, total: 1 });

    const forbidden = await workerFetch(
      `/v1/tickets/${ticket.id}`,
      jsonRequest("PATCH", { priority: "low" }, reporter.headers),
    );
    expect(forbidden.status).toBe(403);
    const patched = await workerFetch(
      `/v1/tickets/${ticket.id}`,
      jsonRequest("PATCH", { status: "in_progress" }, { ...admin.headers, "If-Match": '"1"' }),
    );
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ status: "in_progress", version: 2 });
    const stale = await workerFetch(
      `/v1/tickets/${ticket.id}`,
      jsonRequest("PATCH", { status: "blocked" }, { ...admin.headers, "If-Match": '"1"' }),
    );
    expect(stale.status).toBe(412);
    const invalid = await workerFetch(
      `/v1/tickets/${ticket.id}`,
      jsonRequest("PATCH", { status: "closed" }, admin.headers),
    );
    expect(invalid.status).toBe(409);
    expect(await invalid.json()).toMatchObject({ allowed: ["blocked", "resolved"] });

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
