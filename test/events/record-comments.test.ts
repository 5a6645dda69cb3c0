import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addComment, deleteComment, patchComment } from "../support/factories/comments.ts";
import { changedAt, eventRowsOf } from "../support/factories/events.ts";
import { reportTicket, ticketWorld } from "../support/factories/tickets.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";

let ctx: TestContext;
let world: Awaited<ReturnType<typeof ticketWorld>>;
beforeAll(async () => {
  ctx = await createTestContext({ env: { TRUST_PROXY: "true" } });
  world = await ticketWorld(ctx);
});
afterAll(() => ctx.close());

const typesOf = async (ticketId: string) => (await eventRowsOf(ctx, ticketId)).map((e) => e.row.type);
const lastEvent = async (ticketId: string) => {
  const last = (await eventRowsOf(ctx, ticketId)).at(-1);
  if (!last) throw new Error("no event");
  return last;
};

describe("comment events", () => {
  it("records comment.created/updated/deleted with the comment, its visibility and the ticket's snapshot", async () => {
    const ticket = await reportTicket(ctx, world.reporter.session, { categoryId: world.categoryA.id });
    const author = world.developerA.session;

    const internal = await addComment(ctx, author, ticket.id, { body: "Staff note", visibility: "internal" });
    const created = await lastEvent(ticket.id);
    expect(created.row).toMatchObject({
      type: "comment.created",
      ticketId: ticket.id,
      teamId: world.teamA.id,
      reporterId: world.reporter.user.id,
      visibility: "internal",
      payload: internal,
    });
    expect(created.at).toBe(await changedAt(ctx, "ticket_comments", internal.id));

    const ref = { ticketId: ticket.id, commentId: internal.id };
    const edited = await patchComment(ctx, author, ref, { body: "Edited note" });
    expect(edited.status).toBe(200);
    const updated = await lastEvent(ticket.id);
    expect(updated.row).toMatchObject({ type: "comment.updated", visibility: "internal" });
    expect(updated.row.payload).toEqual(await edited.json());

    expect((await deleteComment(ctx, author, ref)).status).toBe(204);
    const deleted = await lastEvent(ticket.id);
    expect(deleted.row).toMatchObject({ type: "comment.deleted", visibility: "internal" });
    expect(deleted.row.payload).toMatchObject({ id: internal.id, ticketId: ticket.id, version: 3 });

    const publicComment = await addComment(ctx, world.reporter.session, ticket.id, { body: "Any news?" });
    expect((await lastEvent(ticket.id)).row).toMatchObject({
      type: "comment.created",
      visibility: "public",
      payload: publicComment,
    });
    expect(await typesOf(ticket.id)).toEqual([
      "ticket.created",
      "comment.created",
      "comment.updated",
      "comment.deleted",
      "comment.created",
    ]);
  });

  it("records nothing when a comment change is refused", async () => {
    const ticket = await reportTicket(ctx, world.reporter.session, { categoryId: world.categoryA.id });
    const comment = await addComment(ctx, world.developerA.session, ticket.id, { body: "Mine" });
    const ref = { ticketId: ticket.id, commentId: comment.id };
    expect((await patchComment(ctx, world.managerA.session, ref, { body: "Not mine" })).status).toBe(403);
    expect((await deleteComment(ctx, world.developerA.session, ref, { "If-Match": '"7"' })).status).toBe(412);
    expect(await typesOf(ticket.id)).toEqual(["ticket.created", "comment.created"]);
  });
});
