import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Ticket } from "../../src/features/tickets/schemas.ts";
import { createDoorContext } from "../support/door.ts";
import { addComment } from "../support/factories/comments.ts";
import { reportTicket } from "../support/factories/tickets.ts";
import { type Session, signedIn } from "../support/factories.ts";
import { MISSING_ID } from "../support/routes/constants.ts";
import type { TestContext } from "../support/test-context.ts";

let ctx: TestContext;
let reporter: Session;
let admin: Session;
let mine: Ticket[];
beforeAll(async () => {
  ctx = await createDoorContext({ env: { TRUST_PROXY: "true" } });
  [reporter, admin] = (await Promise.all([signedIn(ctx, "reporter"), signedIn(ctx, "admin")])).map(
    (p) => p.session,
  ) as [Session, Session];
  const other = (await signedIn(ctx, "reporter")).session;
  mine = [];
  for (const title of [
    "Build at 100% but stuck",
    "snake_case names break export",
    "O'Brien cannot log in",
    "Path C:\\temp fails",
    "Printer jam",
  ]) {
    mine.push(await reportTicket(ctx, reporter, { title }));
  }
  await reportTicket(ctx, other, { title: "100% secret O'Brien snake_case C:\\temp" });
  await addComment(ctx, reporter, mine[0]?.id as string, { body: "first" });
  await addComment(ctx, reporter, mine[0]?.id as string, { body: "second" });
});
afterAll(() => ctx.close());

async function search(q: string) {
  const response = await ctx.app.request(`/v1/tickets?q=${encodeURIComponent(q)}`, {
    headers: reporter.headers,
  });
  expect(response.status, q).toBe(200);
  return ((await response.json()) as { data: Ticket[] }).data;
}

describe("search text with SQL and LIKE metacharacters", () => {
  it.each(["%", "_", "'", "\\", "%%", "'; drop table tickets; --", "%' OR '1'='1"])(
    "q=%s is harmless: 200, never a wildcard",
    async (q) => {
      const found = await search(q);
      // Not a wildcard: never the whole list; and never another reporter's ticket.
      expect(found.length).toBeLessThan(mine.length);
      const ids = new Set(mine.map((ticket) => ticket.id));
      for (const ticket of found) expect(ids.has(ticket.id)).toBe(true);
    },
  );

  it.each([
    ["100%", "100"],
    ["snake_case", "snake"],
    ["O'Brien", "brien"],
    ["C:\\temp", "temp"],
  ])("q=%s finds only real matches of the caller's own tickets", async (q, word) => {
    const found = await search(q);
    expect(found.length).toBeGreaterThan(0);
    for (const ticket of found) {
      expect(`${ticket.title} ${ticket.description}`.toLowerCase()).toContain(word);
      expect(mine.map((t) => t.id)).toContain(ticket.id);
    }
  });
});

const encode = (values: unknown) => Buffer.from(JSON.stringify(values)).toString("base64url");
/** Every list with a cursor, and who may read it (a function: the ids exist once beforeAll ran). */
const LISTS: [string, () => { path: string; as: Session }][] = [
  ["/v1/tickets", () => ({ path: "/v1/tickets", as: reporter })],
  ["/v1/tickets/{id}/comments", () => ({ path: `/v1/tickets/${mine[0]?.id}/comments`, as: reporter })],
  ["/v1/tickets/{id}/activity", () => ({ path: `/v1/tickets/${mine[0]?.id}/activity`, as: reporter })],
  [
    "/v1/tickets/{id}/assignment/history",
    () => ({ path: `/v1/tickets/${mine[0]?.id}/assignment/history`, as: reporter }),
  ],
  ["/v1/events/history", () => ({ path: "/v1/events/history", as: reporter })],
  ["/v1/users", () => ({ path: "/v1/users", as: admin })],
  ["/v1/teams", () => ({ path: "/v1/teams", as: admin })],
  ["/v1/categories", () => ({ path: "/v1/categories", as: admin })],
  ["/v1/developers", () => ({ path: "/v1/developers", as: admin })],
  ["/v1/audit-log", () => ({ path: "/v1/audit-log", as: admin })],
];

async function listWith(path: string, session: Session, cursor: string) {
  const separator = path.includes("?") ? "&" : "?";
  return ctx.app.request(`${path}${separator}cursor=${encodeURIComponent(cursor)}`, {
    headers: session.headers,
  });
}

describe("invalid and forged cursors", () => {
  const INVALID = ["!!!", "%%%", "a", "bm90IGpzb24", encode({}), encode("text"), encode([]), "A".repeat(513)];
  const FORGED = [
    ["March 7", MISSING_ID],
    ["0", 1],
    ["2024-02-30 00:00:00+00", MISSING_ID],
    ["2024-02-30T00:00:00.000000Z", MISSING_ID],
    ["-createdAt", "2024-02-30 00:00:00+00", MISSING_ID],
    [null, null],
    [1, 2, 3, 4, 5],
  ].map(encode);

  it.each(LISTS)(
    "answers every malformed or forged cursor on %s with a 400 problem, never 500",
    async (_, list) => {
      const { path, as } = list();
      for (const cursor of [...INVALID, ...FORGED]) {
        const response = await listWith(path, as, cursor);
        expect(response.status, `${path} cursor=${cursor.slice(0, 40)}`).toBe(400);
        expect(response.headers.get("Content-Type")).toBe("application/problem+json");
      }
    },
  );

  it("refuses a cursor from another list or another sort order with 400", async () => {
    const next = async (path: string, session: Session) => {
      const response = await ctx.app.request(path, { headers: session.headers });
      const cursor = ((await response.json()) as { nextCursor: string | null }).nextCursor;
      if (!cursor) throw new Error(`no second page for ${path}`);
      return cursor;
    };
    const ticketsCursor = await next("/v1/tickets?limit=1", reporter);
    const prioritySortCursor = await next("/v1/tickets?limit=1&sort=priority", reporter);
    const commentsCursor = await next(`/v1/tickets/${mine[0]?.id}/comments?limit=1`, reporter);

    expect((await listWith("/v1/tickets", reporter, prioritySortCursor)).status).toBe(400);
    expect((await listWith(`/v1/tickets/${mine[0]?.id}/comments`, reporter, ticketsCursor)).status).toBe(400);
    expect((await listWith("/v1/tickets", reporter, commentsCursor)).status).toBe(400);
    expect((await listWith("/v1/users", admin, commentsCursor)).status).toBe(400);
    expect((await listWith("/v1/audit-log", admin, ticketsCursor)).status).toBe(400);
    // The real cursors themselves still page.
    expect((await listWith("/v1/tickets?limit=1", reporter, ticketsCursor)).status).toBe(200);
    expect(
      (await listWith(`/v1/tickets/${mine[0]?.id}/comments?limit=1`, reporter, commentsCursor)).status,
    ).toBe(200);
  });
});
