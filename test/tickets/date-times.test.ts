import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog, tickets } from "../../src/db/schema.ts";
import type { Ticket } from "../../src/features/tickets/schemas.ts";
import { createDoorContext } from "../support/door.ts";
import { reportTicket, ticketWorld } from "../support/factories/tickets.ts";
import { jsonRequest } from "../support/factories.ts";
import type { TestContext } from "../support/test-context.ts";

let ctx: TestContext;
let world: Awaited<ReturnType<typeof ticketWorld>>;
beforeAll(async () => {
  ctx = await createDoorContext({ env: { TRUST_PROXY: "true" } });
  world = await ticketWorld(ctx);
});
afterAll(() => ctx.close());

const create = (body: unknown) =>
  ctx.app.request("/v1/tickets", jsonRequest("POST", body, world.managerA.session.headers));
const patch = (id: string, body: unknown) =>
  ctx.app.request(`/v1/tickets/${id}`, jsonRequest("PATCH", body, world.managerA.session.headers));
const errorPaths = async (response: Response) =>
  ((await response.json()) as { errors?: { path: string }[] }).errors?.map((error) => error.path) ?? [];
const stored = async (id: string) => {
  const [row] = await ctx.deps.db.select().from(tickets).where(eq(tickets.id, id));
  return row;
};

/** Sent → the instant the API answers with (always UTC, milliseconds, `Z`). */
const ROUND_TRIPS: [string, string][] = [
  ["0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000Z"],
  ["0002-04-24T00:00:00Z", "0002-04-24T00:00:00.000Z"],
  ["0013-04-24T02:57:26Z", "0013-04-24T02:57:26.000Z"],
  ["0027-12-31T23:59:59.9Z", "0027-12-31T23:59:59.900Z"],
  ["0050-04-24T02:57:26Z", "0050-04-24T02:57:26.000Z"],
  ["0099-06-15T12:00:00.5+05:30", "0099-06-15T06:30:00.500Z"],
  ["0999-01-01T00:00:00-01:00", "0999-01-01T01:00:00.000Z"],
  ["2030-07-01T09:15:30.123+02:00", "2030-07-01T07:15:30.123Z"],
  ["9999-12-31T23:59:59.999Z", "9999-12-31T23:59:59.999Z"],
];

/** Outside 0001-01-01T00:00:00Z … 9999-12-31T23:59:59.999Z, or more precise than the store keeps. */
const REFUSED = [
  "0000-01-01T00:00:00Z",
  "0000-12-31T23:59:59.999Z",
  "0001-01-01T00:00:00+00:01",
  "9999-12-31T23:59:59-00:01",
  "2030-07-01T09:15:30.1234Z",
  "2024-02-30T00:00:00Z",
  "+010000-01-01T00:00:00Z",
  "-000001-01-01T00:00:00Z",
];

describe("date-times in ticket bodies", () => {
  it.each(ROUND_TRIPS)(
    "POST stores %s as the same instant, in the answer, the row and the audit",
    async (sent, answered) => {
      const response = await create({ title: "Dated", dueAt: sent });
      expect(response.status).toBe(201);
      const ticket = (await response.json()) as Ticket;
      expect(ticket.dueAt).toBe(answered);
      expect((await stored(ticket.id))?.dueAt?.toISOString()).toBe(answered);
      const read = (await (
        await ctx.app.request(`/v1/tickets/${ticket.id}`, { headers: world.managerA.session.headers })
      ).json()) as Ticket;
      expect(read.dueAt).toBe(answered);
      const [audit] = await ctx.deps.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.entityType, "ticket"), eq(auditLog.entityId, ticket.id)));
      expect(JSON.stringify(audit?.after)).toContain(answered);
    },
  );

  it.each(ROUND_TRIPS)("PATCH stores %s as the same instant in every date field", async (sent, answered) => {
    const ticket = await reportTicket(ctx, world.reporter.session, { categoryId: world.categoryA.id });
    const response = await patch(ticket.id, { dueAt: sent, firstResponseDueAt: sent, resolutionDueAt: sent });
    expect(response.status).toBe(200);
    const patched = (await response.json()) as Ticket;
    expect([patched.dueAt, patched.firstResponseDueAt, patched.resolutionDueAt]).toEqual([
      answered,
      answered,
      answered,
    ]);
    const row = await stored(ticket.id);
    expect(row?.resolutionDueAt?.toISOString()).toBe(answered);
  });

  it.each(REFUSED)(
    "refuses %s with 400 naming the field, on POST and PATCH, and stores nothing",
    async (sent) => {
      const posted = await create({ title: "Refused date", dueAt: sent });
      expect(posted.status).toBe(400);
      expect(await errorPaths(posted)).toEqual(["body.dueAt"]);

      const ticket = await reportTicket(ctx, world.reporter.session, { categoryId: world.categoryA.id });
      const patched = await patch(ticket.id, { resolutionDueAt: sent });
      expect(patched.status).toBe(400);
      expect(await errorPaths(patched)).toEqual(["body.resolutionDueAt"]);
      expect((await stored(ticket.id))?.version).toBe(1);
    },
  );
});

describe("date-times in ticket list filters", () => {
  const FILTERS = ["createdFrom", "createdTo", "updatedFrom", "updatedTo", "dueBefore"];

  it.each(FILTERS)("refuses out-of-range %s with 400 naming it, for any role", async (name) => {
    for (const value of REFUSED) {
      const response = await ctx.app.request(`/v1/tickets?${name}=${encodeURIComponent(value)}`, {
        headers: world.reporter.session.headers,
      });
      expect(response.status, value).toBe(400);
      expect(await errorPaths(response)).toEqual([`query.${name}`]);
    }
  });

  it("accepts the edges of the range and filters by the exact instant", async () => {
    const early = await create({ title: "Early", dueAt: "0050-04-24T02:57:26Z", tags: ["edge-filter"] });
    const { id } = (await early.json()) as Ticket;
    const list = async (query: string) => {
      const response = await ctx.app.request(`/v1/tickets?limit=100&tag=edge-filter&${query}`, {
        headers: world.managerA.session.headers,
      });
      expect(response.status).toBe(200);
      return ((await response.json()) as { data: Ticket[] }).data.map((ticket) => ticket.id);
    };
    expect(await list(`dueBefore=${encodeURIComponent("0050-04-24T08:27:26.001+05:30")}`)).toContain(id);
    expect(await list(`dueBefore=${encodeURIComponent("0050-04-24T02:57:26Z")}`)).not.toContain(id);
    expect(await list("createdFrom=0001-01-01T00:00:00Z&createdTo=9999-12-31T23:59:59.999Z")).toContain(id);
  });
});

describe("GET /v1/tickets?sort=dueAt: cursors across early years", () => {
  it("pages through due dates in years 1 to 99 without skipping or repeating", async () => {
    const dues = [
      "0001-01-01T00:00:00Z",
      "0013-04-24T00:00:00Z",
      "0050-04-24T02:57:26Z",
      "0099-12-31T23:59:59Z",
    ];
    const ids: string[] = [];
    for (const dueAt of dues)
      ids.push(
        ((await (await create({ title: "Paged", dueAt, tags: ["early-years"] })).json()) as Ticket).id,
      );
    for (const sort of ["dueAt", "-dueAt"]) {
      const seen: string[] = [];
      let cursor: string | null = "";
      while (cursor !== null) {
        const response = await ctx.app.request(
          `/v1/tickets?tag=early-years&sort=${sort}&limit=1${cursor ? `&cursor=${cursor}` : ""}`,
          { headers: world.managerA.session.headers },
        );
        expect(response.status).toBe(200);
        const page = (await response.json()) as { data: Ticket[]; nextCursor: string | null };
        seen.push(...page.data.map((ticket) => ticket.id));
        cursor = page.nextCursor;
      }
      expect(seen).toEqual(sort === "dueAt" ? ids : [...ids].reverse());
    }
  });
});
