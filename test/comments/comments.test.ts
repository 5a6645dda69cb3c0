import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tickets } from "../../src/db/schema.ts";
import type { Comment } from "../../src/features/comments/schemas.ts";
import {
  addComment,
  auditRowsOf,
  deleteComment,
  listComments,
  patchComment,
  postComment,
} from "../support/factories/comments.ts";
import { insertTicket, ticketWorld } from "../support/factories/tickets.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";

let ctx: TestContext;
let world: Awaited<ReturnType<typeof ticketWorld>>;
beforeAll(async () => {
  ctx = await createTestContext({ env: { TRUST_PROXY: "true" } });
  world = await ticketWorld(ctx);
});
afterAll(() => ctx.close());

/** A ticket of team A reported by `world.reporter`. */
const teamTicket = () => insertTicket(ctx, { reporterId: world.reporter.user.id, teamId: world.teamA.id });
type Page = { data: Comment[]; nextCursor: string | null; total?: number };

describe("posting comments", () => {
  it("lets the reporter comment publicly and audits it with ticketId and visibility", async () => {
    const ticket = await teamTicket();

    const response = await postComment(ctx, world.reporter.session, ticket.id, { body: "  It is broken  " });

    expect(response.status).toBe(201);
    expect(response.headers.get("ETag")).toBe('"1"');
    const comment = (await response.json()) as Comment;
    expect(comment).toMatchObject({
      ticketId: ticket.id,
      author: { id: world.reporter.user.id, name: world.reporter.user.name },
      body: "It is broken",
      visibility: "public",
      version: 1,
    });
    const [audit] = await auditRowsOf(ctx, "comment", comment.id);
    expect(audit).toMatchObject({
      action: "comment.created",
      actorId: world.reporter.user.id,
      actorRole: "reporter",
      before: null,
      after: { ticketId: ticket.id, visibility: "public", body: "It is broken" },
    });
  });

  it("refuses an internal comment from a reporter with 403 naming visibility", async () => {
    const ticket = await teamTicket();

    const response = await postComment(ctx, world.reporter.session, ticket.id, {
      body: "psst",
      visibility: "internal",
    });

    expect(response.status).toBe(403);
    const problem = (await response.json()) as { errors: { path: string }[] };
    expect(problem.errors.map((error) => error.path)).toEqual(["body.visibility"]);
    expect((await listComments(ctx, world.admin.session, ticket.id)).status).toBe(200);
    const page = (await (await listComments(ctx, world.admin.session, ticket.id)).json()) as Page;
    expect(page.data).toEqual([]);
  });

  it("records the first response when staff first comment publicly, only once", async () => {
    const ticket = await teamTicket();
    const firstResponse = async () =>
      (await ctx.deps.db.select().from(tickets).where(eq(tickets.id, ticket.id)))[0]?.firstRespondedAt;

    await addComment(ctx, world.reporter.session, ticket.id);
    await addComment(ctx, world.developerA.session, ticket.id, { visibility: "internal" });
    expect(await firstResponse()).toBeNull();

    await addComment(ctx, world.developerA.session, ticket.id);
    const recorded = await firstResponse();
    expect(recorded).toBeInstanceOf(Date);

    await addComment(ctx, world.managerA.session, ticket.id);
    expect(await firstResponse()).toEqual(recorded);
  });

  it("answers 400 for an empty, oversized or unknown body and 415 for non-JSON", async () => {
    const ticket = await teamTicket();
    const session = world.developerA.session;
    for (const body of [
      {},
      { body: "   " },
      { body: "x".repeat(10_001) },
      { body: "x", extra: 1 },
      { body: "x", visibility: "secret" },
    ]) {
      const response = await postComment(ctx, session, ticket.id, body);
      expect(response.status).toBe(400);
    }
    expect((await postComment(ctx, session, ticket.id, { body: "x".repeat(10_000) })).status).toBe(201);
    const notJson = await ctx.app.request(`/v1/tickets/${ticket.id}/comments`, {
      method: "POST",
      headers: { ...session.headers, "Content-Type": "text/plain" },
      body: "hello",
    });
    expect(notJson.status).toBe(415);
  });

  it("replays a POST with the same Idempotency-Key instead of commenting twice", async () => {
    const ticket = await teamTicket();
    const key = { "Idempotency-Key": `comment-${ticket.id}` };

    const first = await postComment(ctx, world.developerA.session, ticket.id, { body: "Once" }, key);
    const second = await postComment(ctx, world.developerA.session, ticket.id, { body: "Once" }, key);

    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await second.json()).toEqual(await first.json());
    const page = (await (await listComments(ctx, world.developerA.session, ticket.id)).json()) as Page;
    expect(page.data).toHaveLength(1);
  });
});

describe("who sees a ticket's comments", () => {
  it("answers 404 on every comment route for a ticket the caller cannot see", async () => {
    const ticket = await teamTicket();
    const comment = await addComment(ctx, world.developerA.session, ticket.id);
    const ref = { ticketId: ticket.id, commentId: comment.id };

    for (const outsider of [world.developerB, world.managerB, world.otherReporter]) {
      const responses = [
        await listComments(ctx, outsider.session, ticket.id),
        await postComment(ctx, outsider.session, ticket.id, { body: "Hi" }),
        await patchComment(ctx, outsider.session, ref, { body: "Mine now" }),
        await deleteComment(ctx, outsider.session, ref),
      ];
      expect(responses.map((response) => response.status)).toEqual([404, 404, 404, 404]);
      const codes = await Promise.all(
        responses.map(async (response) => ((await response.json()) as { code: string }).code),
      );
      expect(new Set(codes)).toEqual(new Set(["ticket_not_found"]));
    }
  });

  it("never shows internal or deleted comments to the reporter; staff see internal ones", async () => {
    const ticket = await teamTicket();
    const visible = await addComment(ctx, world.reporter.session, ticket.id, { body: "public one" });
    await addComment(ctx, world.developerA.session, ticket.id, {
      body: "internal note",
      visibility: "internal",
    });
    const removed = await addComment(ctx, world.developerA.session, ticket.id, { body: "gone soon" });
    expect(
      (await deleteComment(ctx, world.developerA.session, { ticketId: ticket.id, commentId: removed.id }))
        .status,
    ).toBe(204);

    const forReporter = (await (
      await listComments(ctx, world.reporter.session, ticket.id, "?count=true")
    ).json()) as Page;
    expect(forReporter.data.map((comment) => comment.id)).toEqual([visible.id]);
    expect(forReporter.total).toBe(1);
    expect(JSON.stringify(forReporter)).not.toContain("internal note");

    const forStaff = (await (
      await listComments(ctx, world.managerA.session, ticket.id, "?count=true")
    ).json()) as Page;
    expect(forStaff.data.map((comment) => comment.body)).toEqual(["public one", "internal note"]);
    expect(forStaff.total).toBe(2);
  });

  it("pages oldest first with an opaque cursor, without repeats, in a constant number of queries", async () => {
    const ticket = await teamTicket();
    const posted: string[] = [];
    for (let index = 0; index < 7; index++) {
      posted.push((await addComment(ctx, world.developerA.session, ticket.id, { body: `#${index}` })).id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const response = await listComments(
        ctx,
        world.reporter.session,
        ticket.id,
        `?limit=3${cursor ? `&cursor=${cursor}` : ""}`,
      );
      expect(response.status).toBe(200);
      const page = (await response.json()) as Page;
      seen.push(...page.data.map((comment) => comment.id));
      cursor = page.nextCursor;
    } while (cursor && seen.length < 20);
    expect(seen).toEqual(posted);

    const statementsFor = async (limit: number) => {
      const start = ctx.queries.length;
      expect((await listComments(ctx, world.reporter.session, ticket.id, `?limit=${limit}`)).status).toBe(
        200,
      );
      return ctx.queries.length - start;
    };
    expect(await statementsFor(7)).toBe(await statementsFor(2));
  });

  it("rejects a malformed cursor and an out-of-range limit with 400", async () => {
    const ticket = await teamTicket();
    const session = world.reporter.session;
    expect((await listComments(ctx, session, ticket.id, "?cursor=%%%")).status).toBe(400);
    expect((await listComments(ctx, session, ticket.id, "?cursor=WyJ4IiwieSJd")).status).toBe(400);
    expect((await listComments(ctx, session, ticket.id, "?limit=0")).status).toBe(400);
    expect((await listComments(ctx, session, ticket.id, "?limit=101")).status).toBe(400);
  });
});

describe("editing and deleting comments", () => {
  it("lets the author edit with If-Match, audits the change and refuses a stale version with 412", async () => {
    const ticket = await teamTicket();
    const comment = await addComment(ctx, world.developerA.session, ticket.id, {
      body: "typo",
      visibility: "internal",
    });
    const ref = { ticketId: ticket.id, commentId: comment.id };

    const edited = await patchComment(
      ctx,
      world.developerA.session,
      ref,
      { body: "fixed" },
      { "If-Match": '"1"' },
    );
    expect(edited.status).toBe(200);
    expect(edited.headers.get("ETag")).toBe('"2"');
    expect(await edited.json()).toMatchObject({ body: "fixed", version: 2, visibility: "internal" });

    const stale = await patchComment(
      ctx,
      world.developerA.session,
      ref,
      { body: "again" },
      { "If-Match": '"1"' },
    );
    expect(stale.status).toBe(412);
    expect(await stale.json()).toMatchObject({ currentVersion: 2 });

    const audits = await auditRowsOf(ctx, "comment", comment.id);
    expect(audits.map((row) => row.action)).toEqual(["comment.created", "comment.updated"]);
    expect(audits[1]).toMatchObject({
      before: { body: "typo" },
      after: { ticketId: ticket.id, visibility: "internal", body: "fixed" },
    });
  });

  it("answers 403 not_comment_author to someone who sees the comment, 404 to a reporter for an internal one", async () => {
    const ticket = await teamTicket();
    const publicComment = await addComment(ctx, world.developerA.session, ticket.id);
    const internal = await addComment(ctx, world.developerA.session, ticket.id, { visibility: "internal" });
    const pub = { ticketId: ticket.id, commentId: publicComment.id };
    const int = { ticketId: ticket.id, commentId: internal.id };

    for (const other of [world.admin, world.managerA, world.reporter]) {
      const edit = await patchComment(ctx, other.session, pub, { body: "not mine" });
      expect(edit.status).toBe(403);
      expect(((await edit.json()) as { code: string }).code).toBe("not_comment_author");
      expect((await deleteComment(ctx, other.session, pub)).status).toBe(403);
    }
    const hidden = await patchComment(ctx, world.reporter.session, int, { body: "peek" });
    expect(hidden.status).toBe(404);
    expect(((await hidden.json()) as { code: string }).code).toBe("comment_not_found");
    expect((await deleteComment(ctx, world.reporter.session, int)).status).toBe(404);
  });

  it("answers 404 for a comment of another ticket and 400 for a bad patch", async () => {
    const ticket = await teamTicket();
    const other = await teamTicket();
    const comment = await addComment(ctx, world.developerA.session, ticket.id);

    const wrongTicket = await patchComment(
      ctx,
      world.developerA.session,
      { ticketId: other.id, commentId: comment.id },
      { body: "x" },
    );
    expect(wrongTicket.status).toBe(404);
    const ref = { ticketId: ticket.id, commentId: comment.id };
    for (const body of [{}, { body: "" }, { visibility: "internal" }, { body: "x", visibility: "public" }]) {
      expect((await patchComment(ctx, world.developerA.session, ref, body)).status).toBe(400);
    }
    expect(
      (await patchComment(ctx, world.developerA.session, ref, { body: "x" }, { "If-Match": "3" })).status,
    ).toBe(400);
  });

  it("soft-deletes for the author with If-Match, audits it, and the comment is gone everywhere", async () => {
    const ticket = await teamTicket();
    const comment = await addComment(ctx, world.reporter.session, ticket.id);
    const ref = { ticketId: ticket.id, commentId: comment.id };

    const stale = await deleteComment(ctx, world.reporter.session, ref, { "If-Match": '"7"' });
    expect(stale.status).toBe(412);
    expect(await stale.json()).toMatchObject({ currentVersion: 1 });

    expect((await deleteComment(ctx, world.reporter.session, ref, { "If-Match": '"1"' })).status).toBe(204);
    expect((await deleteComment(ctx, world.reporter.session, ref)).status).toBe(404);
    expect((await patchComment(ctx, world.reporter.session, ref, { body: "back?" })).status).toBe(404);
    const page = (await (await listComments(ctx, world.admin.session, ticket.id)).json()) as Page;
    expect(page.data).toEqual([]);

    const audits = await auditRowsOf(ctx, "comment", comment.id);
    expect(audits.map((row) => row.action)).toEqual(["comment.created", "comment.deleted"]);
    expect(audits[1]?.after).toMatchObject({ ticketId: ticket.id, visibility: "public" });
    expect(audits[1]?.before).toEqual({ deletedAt: null });
  });
});
