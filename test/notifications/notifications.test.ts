import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { notifications, teamMembers, users } from "../../src/db/schema.ts";
import type { Comment } from "../../src/features/comments/schemas.ts";
import { assign, createDeveloper } from "../support/factories/assignments.ts";
import { addComment, postComment } from "../support/factories/comments.ts";
import {
  aboutTicket,
  inbox,
  mark,
  markAll,
  setPreferences,
  unread,
  watchTicket,
} from "../support/factories/notifications.ts";
import { patchTicket, reportTicket, ticketWorld } from "../support/factories/tickets.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";

let ctx: TestContext;
let world: Awaited<ReturnType<typeof ticketWorld>>;
beforeAll(async () => {
  ctx = await createTestContext({ env: { TRUST_PROXY: "true" } });
  world = await ticketWorld(ctx);
});
afterAll(() => ctx.close());

/** A ticket of team A reported by `world.reporter`, which the reporter watches. */
const teamTicket = () => reportTicket(ctx, world.reporter.session, { categoryId: world.categoryA.id });

describe("comments on a watched ticket", () => {
  it("tell every watcher but the author, and fold repeated comments into one unread notification", async () => {
    const ticket = await teamTicket();
    expect((await watchTicket(ctx, world.developerA.session, ticket.id, "PUT")).status).toBe(200);

    await addComment(ctx, world.managerA.session, ticket.id, { body: "First look" });
    await addComment(ctx, world.admin.session, ticket.id, { body: "Second look" });

    const [folded] = await aboutTicket(ctx, world.developerA.session, ticket.id);
    expect(folded).toMatchObject({
      kind: "commented",
      count: 2,
      actor: { id: world.admin.user.id },
      readAt: null,
    });
    expect(await aboutTicket(ctx, world.developerA.session, ticket.id)).toHaveLength(1);
    // The reporter watches their ticket; the manager became a watcher by commenting.
    expect((await aboutTicket(ctx, world.reporter.session, ticket.id))[0]).toMatchObject({ count: 2 });
    expect(await aboutTicket(ctx, world.managerA.session, ticket.id)).toMatchObject([
      { kind: "commented", count: 1, actor: { id: world.admin.user.id } },
    ]);
    expect(await aboutTicket(ctx, world.admin.session, ticket.id)).toEqual([]);
  });

  it("never tell a reporter of an internal comment: no row, no count, no fold", async () => {
    const ticket = await teamTicket();
    const before = await unread(ctx, world.reporter.session);
    await addComment(ctx, world.managerA.session, ticket.id, { body: "public" });
    await addComment(ctx, world.developerA.session, ticket.id, { body: "psst", visibility: "internal" });

    expect(await aboutTicket(ctx, world.reporter.session, ticket.id)).toMatchObject([
      { kind: "commented", count: 1, visibility: "public", actor: { id: world.managerA.user.id } },
    ]);
    expect(await unread(ctx, world.reporter.session)).toBe(before + 1);
    // The manager watches (commented) and is staff: the internal comment is a separate, internal fold.
    const staff = await aboutTicket(ctx, world.managerA.session, ticket.id);
    expect(staff).toMatchObject([{ kind: "commented", visibility: "internal", count: 1 }]);
  });

  it("starts a new notification once the fold is older than the window", async () => {
    const ticket = await teamTicket();
    await addComment(ctx, world.managerA.session, ticket.id, { body: "one" });
    await ctx.deps.db
      .update(notifications)
      .set({ createdAt: sql`now() - interval '11 minutes'` })
      .where(eq(notifications.ticketId, ticket.id));
    await addComment(ctx, world.managerA.session, ticket.id, { body: "two" });
    const mine = await aboutTicket(ctx, world.reporter.session, ticket.id);
    expect(mine.map((item) => item.count)).toEqual([1, 1]);
  });

  it("folds concurrent comments race-free into one row per recipient", async () => {
    const ticket = await teamTicket();
    const commenters = [world.managerA, world.developerA, world.admin];
    await Promise.all(
      commenters.map((person) => addComment(ctx, person.session, ticket.id, { body: "race" })),
    );
    const mine = await aboutTicket(ctx, world.reporter.session, ticket.id);
    expect(mine).toHaveLength(1);
    expect(mine[0]?.count).toBe(3);
  });
});

describe("mentions", () => {
  it("resolve names, make the mentioned watch and notify them; report who cannot see it", async () => {
    const ticket = await teamTicket();
    const body = `<@${world.developerA.user.id}> and <@${world.developerB.user.id}> please look`;

    const response = await postComment(ctx, world.managerA.session, ticket.id, { body });

    expect(response.status).toBe(201);
    const comment = (await response.json()) as Comment;
    expect(comment.mentions).toEqual([
      { userId: world.developerA.user.id, name: world.developerA.user.name },
    ]);
    expect(comment.unreachableMentions).toEqual([world.developerB.user.id]);
    expect(await aboutTicket(ctx, world.developerA.session, ticket.id)).toMatchObject([
      { kind: "mentioned", commentId: comment.id, actor: { id: world.managerA.user.id } },
    ]);
    expect(
      (await inbox(ctx, world.developerB.session)).data.some((item) => item.ticket.id === ticket.id),
    ).toBe(false);
    // The reporter hears of the comment, as a watcher, not as a mention.
    expect(await aboutTicket(ctx, world.reporter.session, ticket.id)).toMatchObject([{ kind: "commented" }]);
    const listed = await ctx.app.request(`/v1/tickets/${ticket.id}/comments`, {
      headers: world.reporter.session.headers,
    });
    const page = (await listed.json()) as { data: Comment[] };
    expect(page.data[0]?.mentions).toEqual([
      { userId: world.developerA.user.id, name: world.developerA.user.name },
    ]);
    expect(page.data[0]).not.toHaveProperty("unreachableMentions");
  });

  it("in an internal comment reach staff only: a mentioned reporter learns nothing", async () => {
    const ticket = await teamTicket();
    const body = `<@${world.reporter.user.id}> see the logs`;
    const response = await postComment(ctx, world.developerA.session, ticket.id, {
      body,
      visibility: "internal",
    });
    const comment = (await response.json()) as Comment;
    expect(comment.mentions).toEqual([]);
    expect(comment.unreachableMentions).toEqual([world.reporter.user.id]);
    expect(await aboutTicket(ctx, world.reporter.session, ticket.id)).toEqual([]);
  });

  it("in a ticket description notify the mentioned and come back resolved", async () => {
    const description = `Ask <@${world.developerA.user.id}>`;
    const ticket = await reportTicket(ctx, world.reporter.session, {
      categoryId: world.categoryA.id,
      description,
    });
    expect(ticket.mentions).toEqual([{ userId: world.developerA.user.id, name: world.developerA.user.name }]);
    expect(await aboutTicket(ctx, world.developerA.session, ticket.id)).toMatchObject([
      { kind: "mentioned" },
    ]);
  });
});

describe("edits and lost roles", () => {
  it("notify only the newly mentioned when a comment or a description is edited", async () => {
    const ticket = await teamTicket();
    const posted = (await (
      await postComment(ctx, world.managerA.session, ticket.id, { body: `<@${world.developerA.user.id}>` })
    ).json()) as Comment;
    const edited = await ctx.app.request(`/v1/tickets/${ticket.id}/comments/${posted.id}`, {
      method: "PATCH",
      headers: { ...world.managerA.session.headers, "Content-Type": "application/json" },
      body: JSON.stringify({ body: `<@${world.developerA.user.id}> and <@${world.admin.user.id}>` }),
    });
    expect(((await edited.json()) as Comment).mentions.map((mention) => mention.userId)).toEqual([
      world.developerA.user.id,
      world.admin.user.id,
    ]);
    expect((await aboutTicket(ctx, world.developerA.session, ticket.id)).map((item) => item.count)).toEqual([
      1,
    ]);
    expect(await aboutTicket(ctx, world.admin.session, ticket.id)).toMatchObject([{ kind: "mentioned" }]);

    const patched = await patchTicket(ctx, world.reporter.session, ticket.id, {
      description: `Also <@${world.managerA.user.id}>`,
    });
    expect(await patched.json()).toMatchObject({ mentions: [{ userId: world.managerA.user.id }] });
    const read = await ctx.app.request(`/v1/tickets/${ticket.id}`, {
      headers: world.developerA.session.headers,
    });
    expect(await read.json()).toMatchObject({ mentions: [{ userId: world.managerA.user.id }] });
    expect(await aboutTicket(ctx, world.managerA.session, ticket.id)).toMatchObject([{ kind: "mentioned" }]);
  });

  it("drops internal notifications from the inbox and the count of someone made reporter", async () => {
    const developer = await createDeveloper(ctx, { teamId: world.teamA.id });
    const ticket = await teamTicket();
    await watchTicket(ctx, developer.session, ticket.id, "PUT");
    await addComment(ctx, world.managerA.session, ticket.id, { body: "staff", visibility: "internal" });
    expect(await unread(ctx, developer.session)).toBe(1);

    await ctx.deps.db.update(users).set({ role: "reporter" }).where(eq(users.id, developer.user.id));

    // The inbox decides by the recipient row in the database, whatever the token says.
    expect(await unread(ctx, developer.session)).toBe(0);
    expect((await inbox(ctx, developer.session)).data).toEqual([]);
  });

  it("tells a disabled watcher nothing", async () => {
    const developer = await createDeveloper(ctx, { teamId: world.teamA.id });
    const ticket = await teamTicket();
    await watchTicket(ctx, developer.session, ticket.id, "PUT");
    await ctx.deps.db.update(users).set({ status: "disabled" }).where(eq(users.id, developer.user.id));
    await addComment(ctx, world.managerA.session, ticket.id);
    const rows = await ctx.deps.db
      .select()
      .from(notifications)
      .where(eq(notifications.recipientId, developer.user.id));
    expect(rows).toEqual([]);
  });
});

describe("ticket changes", () => {
  it("tell watchers of status and priority changes, and the reporter of the resolution", async () => {
    const developer = await createDeveloper(ctx, { teamId: world.teamA.id });
    const ticket = await teamTicket();
    expect(
      (await assign(ctx, world.managerA.session, ticket.id, { assigneeId: developer.user.id })).status,
    ).toBe(200);
    expect(await aboutTicket(ctx, developer.session, ticket.id)).toMatchObject([
      { kind: "assigned", actor: { id: world.managerA.user.id } },
    ]);
    await watchTicket(ctx, world.developerA.session, ticket.id, "PUT");

    for (const status of ["in_progress", "resolved"]) {
      expect((await patchTicket(ctx, developer.session, ticket.id, { status })).status).toBe(200);
    }
    expect((await patchTicket(ctx, world.managerA.session, ticket.id, { priority: "urgent" })).status).toBe(
      200,
    );

    const watcher = await aboutTicket(ctx, world.developerA.session, ticket.id);
    expect(watcher.map((item) => [item.kind, item.count])).toEqual([
      ["priority_changed", 1],
      ["status_changed", 2],
    ]);
    expect(watcher[1]?.data).toEqual({ from: "in_progress", to: "resolved" });
    const reporter = await aboutTicket(ctx, world.reporter.session, ticket.id);
    expect(reporter.map((item) => item.kind)).toEqual(["priority_changed", "resolved", "status_changed"]);
    // The assignee made the steps: nothing about their own actions.
    expect((await aboutTicket(ctx, developer.session, ticket.id)).map((item) => item.kind)).toEqual([
      "priority_changed",
      "assigned",
    ]);
  });

  it("tell the previous assignee they were unassigned", async () => {
    const first = await createDeveloper(ctx, { teamId: world.teamA.id });
    const second = await createDeveloper(ctx, { teamId: world.teamA.id });
    const ticket = await teamTicket();
    await assign(ctx, world.managerA.session, ticket.id, { assigneeId: first.user.id });
    await assign(ctx, world.managerA.session, ticket.id, { assigneeId: second.user.id });
    expect((await aboutTicket(ctx, first.session, ticket.id)).map((item) => item.kind)).toEqual([
      "unassigned",
      "assigned",
    ]);
  });
});

describe("visibility follows the ticket", () => {
  it("tells a watcher nothing more, and hides what they had, once they leave the team", async () => {
    const developer = await createDeveloper(ctx, { teamId: world.teamA.id });
    const ticket = await teamTicket();
    await watchTicket(ctx, developer.session, ticket.id, "PUT");
    await addComment(ctx, world.managerA.session, ticket.id);
    expect(await aboutTicket(ctx, developer.session, ticket.id)).toHaveLength(1);
    const countBefore = await unread(ctx, developer.session);

    await ctx.deps.db.delete(teamMembers).where(eq(teamMembers.userId, developer.user.id));
    await addComment(ctx, world.admin.session, ticket.id);

    expect(await aboutTicket(ctx, developer.session, ticket.id)).toEqual([]);
    expect(await unread(ctx, developer.session)).toBe(countBefore - 1);
    const rows = await ctx.deps.db
      .select()
      .from(notifications)
      .where(eq(notifications.recipientId, developer.user.id));
    expect(rows.map((row) => row.count)).toEqual([1]);
  });

  it("tells nobody of team A about a ticket moved to team B", async () => {
    const ticket = await teamTicket();
    await watchTicket(ctx, world.developerA.session, ticket.id, "PUT");
    expect((await patchTicket(ctx, world.admin.session, ticket.id, { teamId: world.teamB.id })).status).toBe(
      200,
    );
    await addComment(ctx, world.managerB.session, ticket.id);
    expect(await aboutTicket(ctx, world.developerA.session, ticket.id)).toEqual([]);
    expect(await aboutTicket(ctx, world.reporter.session, ticket.id)).toHaveLength(1);
  });

  it("answers 404 to watching a ticket the caller cannot see", async () => {
    const ticket = await teamTicket();
    expect((await watchTicket(ctx, world.developerB.session, ticket.id, "PUT")).status).toBe(404);
    expect((await watchTicket(ctx, world.otherReporter.session, ticket.id, "DELETE")).status).toBe(404);
  });
});

describe("watchers", () => {
  it("lists those who watch and can see it to staff; unwatching stops notifications", async () => {
    const ticket = await teamTicket();
    await watchTicket(ctx, world.developerA.session, ticket.id, "PUT");
    const listed = await ctx.app.request(`/v1/tickets/${ticket.id}/watchers`, {
      headers: world.managerA.session.headers,
    });
    expect(listed.status).toBe(200);
    const page = (await listed.json()) as { data: { userId: string }[] };
    expect(page.data.map((watcher) => watcher.userId)).toEqual([
      world.reporter.user.id,
      world.developerA.user.id,
    ]);
    const refused = await ctx.app.request(`/v1/tickets/${ticket.id}/watchers`, {
      headers: world.reporter.session.headers,
    });
    expect(refused.status).toBe(403);

    expect((await watchTicket(ctx, world.developerA.session, ticket.id, "DELETE")).status).toBe(200);
    await addComment(ctx, world.managerA.session, ticket.id);
    expect(await aboutTicket(ctx, world.developerA.session, ticket.id)).toEqual([]);
  });
});

describe("preferences", () => {
  it("default to in_app; `off` silences a kind, `email` keeps the inbox entry", async () => {
    const developer = await createDeveloper(ctx, { teamId: world.teamA.id });
    const prefs = await ctx.app.request("/v1/notifications/preferences", {
      headers: developer.session.headers,
    });
    expect(await prefs.json()).toMatchObject({ commented: "in_app", mentioned: "in_app" });
    const updated = await setPreferences(ctx, developer.session, { commented: "off", mentioned: "email" });
    expect(await updated.json()).toMatchObject({ commented: "off", mentioned: "email", assigned: "in_app" });

    const ticket = await teamTicket();
    await watchTicket(ctx, developer.session, ticket.id, "PUT");
    await addComment(ctx, world.managerA.session, ticket.id);
    await addComment(ctx, world.managerA.session, ticket.id, { body: `<@${developer.user.id}>` });
    expect((await aboutTicket(ctx, developer.session, ticket.id)).map((item) => item.kind)).toEqual([
      "mentioned",
    ]);
    expect((await setPreferences(ctx, developer.session, { commented: "loud" })).status).toBe(400);
  });
});

describe("reading the inbox", () => {
  it("marks all read up to a seq: a fold arriving after the client looked stays unread", async () => {
    const person = await createDeveloper(ctx, { teamId: world.teamA.id });
    const [first, second] = [await teamTicket(), await teamTicket()];
    for (const ticket of [first, second]) await watchTicket(ctx, person.session, ticket.id, "PUT");
    await addComment(ctx, world.managerA.session, first.id);
    await addComment(ctx, world.managerA.session, second.id);
    const seen = (await inbox(ctx, person.session)).data;
    const top = Math.max(...seen.map((item) => item.seq));

    await addComment(ctx, world.admin.session, first.id); // folds into the first one after the client looked
    const response = await markAll(ctx, person.session, top);

    expect(await response.json()).toEqual({ marked: 1, unread: 1 });
    const unreadNow = (await inbox(ctx, person.session, "?unread=true")).data;
    expect(unreadNow).toMatchObject([{ ticket: { id: first.id }, count: 2 }]);
  });

  it("marks one read and unread; unread again, it stops folding", async () => {
    const person = await createDeveloper(ctx, { teamId: world.teamA.id });
    const ticket = await teamTicket();
    await watchTicket(ctx, person.session, ticket.id, "PUT");
    await addComment(ctx, world.managerA.session, ticket.id);
    const [item] = await aboutTicket(ctx, person.session, ticket.id);
    expect((await mark(ctx, person.session, item?.id as string, true)).status).toBe(200);
    expect(await unread(ctx, person.session)).toBe(0);
    const again = await mark(ctx, person.session, item?.id as string, false);
    expect(await again.json()).toMatchObject({ readAt: null });
    await addComment(ctx, world.managerA.session, ticket.id);
    expect((await aboutTicket(ctx, person.session, ticket.id)).map((entry) => entry.count)).toEqual([1, 1]);
    expect((await mark(ctx, world.developerA.session, item?.id as string, true)).status).toBe(404);
  });

  it("pages by cursor and filters by kind", async () => {
    const person = await createDeveloper(ctx, { teamId: world.teamA.id });
    for (let index = 0; index < 3; index++) {
      const ticket = await teamTicket();
      await watchTicket(ctx, person.session, ticket.id, "PUT");
      await addComment(ctx, world.managerA.session, ticket.id);
    }
    const first = await inbox(ctx, person.session, "?limit=2&count=true");
    expect(first.total).toBe(3);
    const second = await inbox(ctx, person.session, `?limit=2&cursor=${first.nextCursor}`);
    expect([...first.data, ...second.data].map((item) => item.seq)).toEqual(
      [...first.data, ...second.data].map((item) => item.seq).sort((a, b) => b - a),
    );
    expect(second.data).toHaveLength(1);
    expect((await inbox(ctx, person.session, "?kind=assigned")).data).toEqual([]);
  });
});
