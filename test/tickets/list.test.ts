import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RELEVANCE_CANDIDATES } from "../../src/features/tickets/list.ts";
import type { Ticket } from "../../src/features/tickets/schemas.ts";
import { createDoorContext, currentDoor } from "../support/door.ts";
import { insertTicket, ticketWorld } from "../support/factories/tickets.ts";
import type { Session } from "../support/factories.ts";
import type { TestContext } from "../support/test-context.ts";

let ctx: TestContext;
let world: Awaited<ReturnType<typeof ticketWorld>>;
beforeAll(async () => {
  ctx = await createDoorContext({ env: { TRUST_PROXY: "true" } });
  world = await ticketWorld(ctx);
});
afterAll(() => ctx.close());

interface Page {
  data: Ticket[];
  nextCursor: string | null;
  total?: number;
}
const uniqueTag = () => `t-${randomBytes(4).toString("hex")}`;
const at = (iso: string) => new Date(iso);

async function list(session: Session, query: string): Promise<Page> {
  const response = await ctx.app.request(`/v1/tickets?${query}`, { headers: session.headers });
  if (response.status !== 200) throw new Error(`list failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as Page;
}
const idsOf = async (session: Session, query: string) =>
  (await list(session, query)).data.map((t) => t.id).sort();

/** Walks every page with `limit`, failing on a repeated id. */
async function walk(session: Session, query: string, limit: number): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 100; pages++) {
    const page = await list(session, `${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`);
    expect(page.data.length).toBeLessThanOrEqual(limit);
    seen.push(...page.data.map((ticket) => ticket.id));
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  expect(new Set(seen).size).toBe(seen.length);
  return seen;
}

describe("GET /v1/tickets: filters", () => {
  it("applies each filter, combined with AND, within what the caller may see", async () => {
    const tag = uniqueTag();
    const reporterId = world.reporter.user.id;
    const base = { reporterId, teamId: world.teamA.id, tags: [tag] };
    const a = await insertTicket(ctx, {
      ...base,
      status: "open",
      priority: "low",
      createdAt: at("2030-01-01T00:00:00Z"),
      updatedAt: at("2030-02-01T00:00:00Z"),
    });
    const b = await insertTicket(ctx, {
      ...base,
      status: "blocked",
      priority: "urgent",
      assigneeId: world.developerA.user.id,
      categoryId: world.categoryA.id,
      tags: [tag, "vip"],
      dueAt: at("2030-03-01T00:00:00Z"),
      createdAt: at("2030-01-02T00:00:00Z"),
    });
    const c = await insertTicket(ctx, {
      ...base,
      status: "resolved",
      priority: "high",
      reporterId: world.otherReporter.user.id,
      dueAt: at("2030-05-01T00:00:00Z"),
      createdAt: at("2030-01-03T00:00:00Z"),
    });
    const d = await insertTicket(ctx, {
      ...base,
      teamId: world.teamB.id,
      status: "open",
      assigneeId: world.developerB.user.id,
    });
    const admin = world.admin.session;
    const scoped = (query: string) => idsOf(admin, `tag=${tag}&${query}`);
    const sorted = (...rows: { id: string }[]) => rows.map((row) => row.id).sort();

    expect(await scoped("status=open")).toEqual(sorted(a, d));
    expect(await scoped("status=open,blocked")).toEqual(sorted(a, b, d));
    expect(await scoped("priority=urgent,high")).toEqual(sorted(b, c));
    expect(await scoped("assigneeId=none")).toEqual(sorted(a, c));
    expect(await scoped(`assigneeId=${world.developerA.user.id}`)).toEqual(sorted(b));
    expect(await idsOf(world.developerB.session, `tag=${tag}&assigneeId=me`)).toEqual(sorted(d));
    expect(await scoped(`teamId=${world.teamB.id}`)).toEqual(sorted(d));
    expect(await scoped(`categoryId=${world.categoryA.id}`)).toEqual(sorted(b));
    expect(await scoped(`reporterId=${world.otherReporter.user.id}`)).toEqual(sorted(c));
    expect(await idsOf(world.reporter.session, `tag=${tag}&reporterId=me`)).toEqual(sorted(a, b, d));
    expect(await idsOf(admin, `tag=${tag},VIP`)).toEqual(sorted(b));
    expect(await scoped("createdFrom=2030-01-02T00:00:00Z&createdTo=2030-01-03T00:00:00Z")).toEqual(
      sorted(b),
    );
    expect(await scoped("updatedFrom=2030-01-15T00:00:00Z&updatedTo=2030-03-01T00:00:00Z")).toEqual(
      sorted(a),
    );
    expect(await scoped("dueBefore=2030-04-01T00:00:00Z")).toEqual(sorted(b));
    expect(await scoped(`status=open&teamId=${world.teamA.id}`)).toEqual(sorted(a));

    // Visibility always applies: team B's developer sees only team B's ticket (and theirs).
    expect(await idsOf(world.developerB.session, `tag=${tag}`)).toEqual(sorted(d));
    expect(await idsOf(world.developerA.session, `tag=${tag}`)).toEqual(sorted(a, b, c));
    expect(await idsOf(world.otherReporter.session, `tag=${tag}`)).toEqual(sorted(c));
    expect(await idsOf(world.managerB.session, `tag=${tag}`)).toEqual(sorted(d));
  });

  it("leaves out soft-deleted tickets", async () => {
    const tag = uniqueTag();
    await insertTicket(ctx, { reporterId: world.reporter.user.id, tags: [tag], deletedAt: new Date() });
    const live = await insertTicket(ctx, { reporterId: world.reporter.user.id, tags: [tag] });
    expect(await idsOf(world.admin.session, `tag=${tag}`)).toEqual([live.id]);
  });

  it("adds the total only with count=true", async () => {
    const tag = uniqueTag();
    for (let index = 0; index < 3; index++)
      await insertTicket(ctx, { reporterId: world.reporter.user.id, tags: [tag] });
    expect(await list(world.reporter.session, `tag=${tag}&limit=1`)).not.toHaveProperty("total");
    const counted = await list(world.reporter.session, `tag=${tag}&limit=1&count=true`);
    expect(counted.total).toBe(3);
    expect(counted.data).toHaveLength(1);
  });

  it.each([
    ["status=done", "query.status"],
    ["status=open,", "query.status"],
    ["status=open&status=blocked", "query.status"],
    ["priority=asap", "query.priority"],
    ["assigneeId=someone", "query.assigneeId"],
    ["reporterId=none", "query.reporterId"],
    ["teamId=42", "query.teamId"],
    ["categoryId=x", "query.categoryId"],
    ["tag=has%20space", "query.tag"],
    ["createdFrom=yesterday", "query.createdFrom"],
    ["updatedTo=2030-13-01T00:00:00Z", "query.updatedTo"],
    ["dueBefore=1", "query.dueBefore"],
    ["sort=title", "query.sort"],
    ["limit=0", "query.limit"],
    ["limit=101", "query.limit"],
    ["count=yes", "query.count"],
    [`q=${"x".repeat(201)}`, "query.q"],
  ])("answers %s with 400 naming %s", async (query, path) => {
    const response = await ctx.app.request(`/v1/tickets?${query}`, { headers: world.admin.session.headers });
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { errors: { path: string }[] };
    expect(problem.errors.some((error) => error.path === path || error.path.startsWith(`${path}.`))).toBe(
      true,
    );
  });
});

describe("GET /v1/tickets: ordering and pages", () => {
  let tag: string;
  beforeAll(async () => {
    tag = uniqueTag();
    const sameInstant = at("2031-06-01T12:00:00.123456Z");
    const priorities = ["low", "medium", "high", "urgent"] as const;
    for (let index = 0; index < 14; index++) {
      await insertTicket(ctx, {
        reporterId: world.reporter.user.id,
        teamId: world.teamA.id,
        tags: [tag],
        title: `paging ticket ${index} ${index % 3 === 0 ? "keyboard keyboard" : "keyboard"}`,
        priority: priorities[index % 4],
        // Ties on purpose: several rows share a timestamp, a priority or have no due date.
        createdAt: index < 5 ? sameInstant : at(`2031-06-0${2 + (index % 3)}T00:00:00Z`),
        updatedAt: index % 2 === 0 ? sameInstant : at(`2031-07-0${1 + (index % 4)}T00:00:00Z`),
        dueAt: index % 3 === 0 ? null : at(`2031-08-0${1 + (index % 2)}T00:00:00Z`),
      });
    }
    // Sub-millisecond neighbours: a millisecond cursor would skip or repeat these.
    await insertTicket(ctx, {
      reporterId: world.reporter.user.id,
      tags: [tag],
      createdAt: at("2031-06-01T12:00:00.123Z"),
    });
  });

  it.each([
    "",
    "sort=-createdAt",
    "sort=createdAt",
    "sort=updatedAt",
    "sort=-updatedAt",
    "sort=priority",
    "sort=-priority",
    "sort=dueAt",
    "sort=-dueAt",
    "q=keyboard",
    "q=keyboard&sort=-dueAt",
  ])("pages through %s without repeats or gaps", async (query) => {
    const scoped = `tag=${tag}${query ? `&${query}` : ""}`;
    const all = (await list(world.admin.session, `${scoped}&limit=100`)).data.map((ticket) => ticket.id);
    expect(all.length).toBeGreaterThanOrEqual(14);
    for (const limit of [1, 4]) expect(await walk(world.admin.session, scoped, limit)).toEqual(all);
  });

  it("orders as documented", async () => {
    const created = (await list(world.admin.session, `tag=${tag}&limit=100`)).data.map((t) => t.createdAt);
    expect(created).toEqual([...created].sort().reverse());
    const rank = { low: 0, medium: 1, high: 2, urgent: 3 };
    const byPriority = (await list(world.admin.session, `tag=${tag}&sort=-priority&limit=100`)).data;
    const priorities = byPriority.map((t) => rank[t.priority]);
    expect(priorities).toEqual([...priorities].sort((x, y) => y - x));
    const due = (await list(world.admin.session, `tag=${tag}&sort=dueAt&limit=100`)).data.map((t) => t.dueAt);
    const firstNull = due.indexOf(null);
    expect(due.slice(firstNull).every((value) => value === null)).toBe(true);
    expect(due.slice(0, firstNull)).toEqual([...due.slice(0, firstNull)].sort());
  });

  it("rejects a cursor used with another sort, and a forged cursor, with 400", async () => {
    const page = await list(world.admin.session, `tag=${tag}&limit=2&sort=priority`);
    expect(page.nextCursor).not.toBeNull();
    const other = await ctx.app.request(
      `/v1/tickets?tag=${tag}&limit=2&sort=dueAt&cursor=${page.nextCursor}`,
      {
        headers: world.admin.session.headers,
      },
    );
    expect(other.status).toBe(400);
    expect(((await other.json()) as { code: string }).code).toBe("cursor_sort_mismatch");

    const forge = (values: unknown[]) => Buffer.from(JSON.stringify(values)).toString("base64url");
    const id = crypto.randomUUID();
    for (const cursor of [
      "%%%",
      forge(["-createdAt", "2031-02-30 00:00:00+00", id]),
      forge(["-createdAt", "'; drop table tickets; --", id]),
      forge(["-createdAt", "2031-01-01 00:00:00+00", "not-a-uuid"]),
      forge(["priority", "asap", "2031-01-01 00:00:00+00", id]),
      forge(["relevance", "1e99", id]),
      forge(["-createdAt", null, id]),
    ]) {
      const response = await ctx.app.request(`/v1/tickets?cursor=${cursor}`, {
        headers: world.admin.session.headers,
      });
      expect(response.status).toBe(400);
    }
  });

  // The Worker's statements are not visible from here: ctx.queries counts the Node app's only.
  it.runIf(currentDoor() === "node")(
    "runs the same number of SQL statements whatever the page size (no N+1)",
    async () => {
      const count = async (query: string) => {
        const before = ctx.queries.length;
        await list(world.admin.session, query);
        return ctx.queries.slice(before);
      };
      const small = await count(`tag=${tag}&limit=1`);
      const large = await count(`tag=${tag}&limit=100`);
      expect(large.length).toBe(small.length);
      const statements = (query: string[]) => query.filter((text) => /from "tickets"/.test(text));
      expect(statements(large)).toHaveLength(1);
      expect(statements(await count(`tag=${tag}&limit=100&count=true`))).toHaveLength(2);
    },
  );
});

describe("GET /v1/tickets: full-text search", () => {
  it("ranks title matches above description matches and leaves out non-matches", async () => {
    const tag = uniqueTag();
    const reporterId = world.reporter.user.id;
    const inTitle = await insertTicket(ctx, {
      reporterId,
      tags: [tag],
      title: "Database outage in production",
      description: "Everything is down.",
    });
    const inBody = await insertTicket(ctx, {
      reporterId,
      tags: [tag],
      title: "Slow pages",
      description: "Maybe the databases are busy.",
    });
    await insertTicket(ctx, {
      reporterId,
      tags: [tag],
      title: "Printer jam",
      description: "Paper everywhere.",
    });
    const found = (await list(world.reporter.session, `tag=${tag}&q=database`)).data.map((t) => t.id);
    expect(found).toEqual([inTitle.id, inBody.id]);
    const excluded = (
      await list(world.reporter.session, `tag=${tag}&q=${encodeURIComponent("database -outage")}`)
    ).data;
    expect(excluded.map((t) => t.id)).toEqual([inBody.id]);
    const phrase = (
      await list(world.reporter.session, `tag=${tag}&q=${encodeURIComponent('"outage in production"')}`)
    ).data;
    expect(phrase.map((t) => t.id)).toEqual([inTitle.id]);
  });

  it(`ranks only the ${RELEVANCE_CANDIDATES} newest matches; a sort pages through every match`, async () => {
    const tag = uniqueTag();
    const word = `w${randomBytes(4).toString("hex")}`;
    // The oldest match has the word in its title: it would rank first if every match were ranked.
    await ctx.deps.db.execute(sql`
      insert into tickets (title, description, reporter_id, team_id, tags, created_at, updated_at)
      select case when g = 0 then ${`${word} in the title`} else 'Ticket ' || g end,
             case when g = 0 then 'Old.' else ${`Mentions ${word} once.`} end,
             ${world.reporter.user.id}, ${world.teamA.id}, array[${tag}],
             now() - (1000 - g) * interval '1 second', now()
      from generate_series(0, ${RELEVANCE_CANDIDATES}) g`);
    const [oldest] = (await list(world.admin.session, `tag=${tag}&sort=createdAt&limit=1`)).data;
    const ranked = await list(world.admin.session, `tag=${tag}&q=${word}&limit=100&count=true`);
    expect(ranked.total).toBe(RELEVANCE_CANDIDATES);
    const pages = await walk(world.admin.session, `tag=${tag}&q=${word}`, 100);
    expect(pages).toHaveLength(RELEVANCE_CANDIDATES);
    expect(pages).not.toContain(oldest?.id);
    const sorted = await list(world.admin.session, `tag=${tag}&q=${word}&sort=createdAt&limit=1&count=true`);
    expect(sorted.total).toBe(RELEVANCE_CANDIDATES + 1);
    expect(sorted.data[0]?.id).toBe(oldest?.id);
  });

  it("finds, for each role, the same tickets a list shows, each once: team, own, and both", async () => {
    const tag = uniqueTag();
    const word = `w${randomBytes(4).toString("hex")}`;
    const about = { title: `About ${word}`, tags: [tag] };
    const manager = world.managerA.user.id;
    const developer = world.developerA.user.id;
    const tickets = await Promise.all([
      insertTicket(ctx, { ...about, reporterId: world.reporter.user.id, teamId: world.teamA.id }),
      insertTicket(ctx, { ...about, reporterId: world.reporter.user.id, teamId: world.teamB.id }),
      // The manager's and the developer's own, in their team (seen once, not twice) and outside it.
      insertTicket(ctx, { ...about, reporterId: manager, teamId: world.teamA.id, assigneeId: developer }),
      insertTicket(ctx, { ...about, reporterId: manager, teamId: world.teamB.id }),
      insertTicket(ctx, {
        ...about,
        reporterId: world.reporter.user.id,
        teamId: null,
        assigneeId: developer,
      }),
      insertTicket(ctx, { ...about, reporterId: world.otherReporter.user.id, teamId: null }),
      // Not a match: a relevance search must not pull in a visible ticket that lacks the word.
      insertTicket(ctx, { title: "Unrelated", tags: [tag], reporterId: manager, teamId: world.teamA.id }),
    ]);
    for (const person of [world.admin, world.managerA, world.developerA, world.managerB, world.reporter]) {
      const listed = (await list(person.session, `tag=${tag}&limit=100`)).data
        .filter((ticket) => ticket.title.includes(word))
        .map((ticket) => ticket.id)
        .sort();
      const found = await list(person.session, `tag=${tag}&q=${word}&limit=100&count=true`);
      expect(found.data.map((ticket) => ticket.id).sort()).toEqual(listed);
      expect(found.total).toBe(listed.length);
    }
    const seenBy = async (person: typeof world.admin) =>
      (await list(person.session, `tag=${tag}&q=${word}&limit=100`)).data.length;
    expect(await seenBy(world.admin)).toBe(6);
    // Team A's two, and the one the manager reported into team B.
    expect(await seenBy(world.managerA)).toBe(3);
    // Team A's two, and the team-less one assigned to the developer.
    expect(await seenBy(world.developerA)).toBe(3);
    expect(tickets).toHaveLength(7);
  });

  it("treats LIKE wildcards, quotes and operators as plain text", async () => {
    const tag = uniqueTag();
    await insertTicket(ctx, { reporterId: world.reporter.user.id, tags: [tag], title: "Anything at all" });
    for (const q of ["%", "_", "%_%", "' or 1=1 --", "!:*&|", "\\", '"unclosed']) {
      const page = await list(world.reporter.session, `tag=${tag}&q=${encodeURIComponent(q)}`);
      expect(page.data).toEqual([]);
    }
  });
});
