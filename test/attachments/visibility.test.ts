import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog, events } from "../../src/db/schema.ts";
import type { Attachment } from "../../src/features/attachments/schemas.ts";
import {
  attach,
  downloadLink,
  follow,
  pngBytes,
  startUpload,
  type TransferLink,
} from "../support/factories/attachments.ts";
import { addComment } from "../support/factories/comments.ts";
import { insertTicket, ticketWorld } from "../support/factories/tickets.ts";
import type { Session } from "../support/factories.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";

let ctx: TestContext;
let world: Awaited<ReturnType<typeof ticketWorld>>;
beforeAll(async () => {
  ctx = await createTestContext({ env: { TRUST_PROXY: "true" } });
  world = await ticketWorld(ctx);
});
afterAll(() => ctx.close());

const teamTicket = () => insertTicket(ctx, { reporterId: world.reporter.user.id, teamId: world.teamA.id });
const list = async (session: Session, ticketId: string) => {
  const response = await ctx.app.request(`/v1/tickets/${ticketId}/attachments`, { headers: session.headers });
  return {
    status: response.status,
    ids: response.ok ? ((await response.json()) as { data: Attachment[] }).data.map((file) => file.id) : [],
  };
};
const show = (session: Session, ticketId: string, id: string) =>
  ctx.app.request(`/v1/tickets/${ticketId}/attachments/${id}`, { headers: session.headers });
const remove = (session: Session, ticketId: string, id: string) =>
  ctx.app.request(`/v1/tickets/${ticketId}/attachments/${id}`, {
    method: "DELETE",
    headers: session.headers,
  });
const restore = (session: Session, ticketId: string, id: string) =>
  ctx.app.request(`/v1/tickets/${ticketId}/attachments/${id}/restore`, {
    method: "POST",
    headers: session.headers,
  });
const linkFor = async (session: Session, ticketId: string, id: string) =>
  (await (await downloadLink(ctx, session, ticketId, id)).json()) as TransferLink;

describe("who sees a ticket's files", () => {
  it("every role that sees the ticket; another team's developer and manager get the ticket's 404", async () => {
    const ticket = await teamTicket();
    const file = await attach(ctx, world.reporter.session, ticket.id, pngBytes(4, 4));

    for (const person of [world.admin, world.managerA, world.developerA, world.reporter]) {
      expect(await list(person.session, ticket.id)).toEqual({ status: 200, ids: [file.id] });
      expect((await show(person.session, ticket.id, file.id)).status).toBe(200);
      expect((await downloadLink(ctx, person.session, ticket.id, file.id)).status).toBe(200);
    }
    for (const person of [world.managerB, world.developerB, world.otherReporter]) {
      const response = await downloadLink(ctx, person.session, ticket.id, file.id);
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ code: "ticket_not_found" });
      expect((await list(person.session, ticket.id)).status).toBe(404);
      const started = await startUpload(ctx, person.session, ticket.id, {
        name: "a.png",
        size: 10,
        contentType: "image/png",
        sha256: "0".repeat(64),
      });
      expect(started.status).toBe(404);
    }
  });

  it("keeps an internal comment's files from reporters, in lists, reads, downloads and uploads", async () => {
    const ticket = await teamTicket();
    const internal = await addComment(ctx, world.developerA.session, ticket.id, {
      visibility: "internal",
      body: "logs",
    });
    const file = await attach(ctx, world.developerA.session, ticket.id, pngBytes(1, 1), {
      commentId: internal.id,
    });
    expect(file.commentId).toBe(internal.id);

    expect(await list(world.reporter.session, ticket.id)).toEqual({ status: 200, ids: [] });
    expect((await show(world.reporter.session, ticket.id, file.id)).status).toBe(404);
    expect((await downloadLink(ctx, world.reporter.session, ticket.id, file.id)).status).toBe(404);
    expect(await list(world.managerA.session, ticket.id)).toEqual({ status: 200, ids: [file.id] });
    const onInternal = await startUpload(ctx, world.reporter.session, ticket.id, {
      name: "a.png",
      size: 10,
      contentType: "image/png",
      sha256: "0".repeat(64),
      commentId: internal.id,
    });
    expect(onInternal.status).toBe(404);
    const [event] = await ctx.deps.db
      .select()
      .from(events)
      .where(eq(events.ticketId, ticket.id))
      .orderBy(events.id)
      .offset(1);
    expect(event).toMatchObject({ type: "attachment.added", visibility: "internal" });
  });

  it("counts on the ticket list only the files the caller may see", async () => {
    const ticket = await teamTicket();
    const internal = await addComment(ctx, world.developerA.session, ticket.id, {
      visibility: "internal",
      body: "x",
    });
    await attach(ctx, world.reporter.session, ticket.id, pngBytes(1, 1));
    await attach(ctx, world.developerA.session, ticket.id, pngBytes(1, 1), { commentId: internal.id });
    const countFor = async (session: Session) => {
      const response = await ctx.app.request(`/v1/tickets?reporterId=${world.reporter.user.id}&limit=100`, {
        headers: session.headers,
      });
      const page = (await response.json()) as { data: { id: string; attachmentCount?: number }[] };
      return page.data.find((item) => item.id === ticket.id)?.attachmentCount;
    };

    expect(await countFor(world.reporter.session)).toBe(1);
    expect(await countFor(world.managerA.session)).toBe(2);
  });

  it("lets only a comment's author attach files to it", async () => {
    const ticket = await teamTicket();
    const theirs = await addComment(ctx, world.reporter.session, ticket.id);
    const response = await startUpload(ctx, world.developerA.session, ticket.id, {
      name: "a.png",
      size: 10,
      contentType: "image/png",
      sha256: "0".repeat(64),
      commentId: theirs.id,
    });
    expect(response.status).toBe(403);
  });

  it("stops serving a deleted ticket's files, including a download URL issued before", async () => {
    const ticket = await teamTicket();
    const file = await attach(ctx, world.reporter.session, ticket.id, pngBytes(1, 1));
    const issued = await linkFor(world.reporter.session, ticket.id, file.id);
    expect((await follow(ctx, issued)).status).toBe(200);

    const deleted = await ctx.app.request(`/v1/tickets/${ticket.id}`, {
      method: "DELETE",
      headers: world.managerA.session.headers,
    });
    expect(deleted.status).toBe(204);

    const replay = await follow(ctx, issued);
    expect(replay.status).toBe(404);
    expect(replay.headers.get("Content-Type")).toContain("application/problem+json");
    expect((await list(world.admin.session, ticket.id)).status).toBe(404);
  });

  it("stops serving a deleted comment's files", async () => {
    const ticket = await teamTicket();
    const comment = await addComment(ctx, world.reporter.session, ticket.id);
    const file = await attach(ctx, world.reporter.session, ticket.id, pngBytes(1, 1), {
      commentId: comment.id,
    });
    const issued = await linkFor(world.reporter.session, ticket.id, file.id);

    await ctx.app.request(`/v1/tickets/${ticket.id}/comments/${comment.id}`, {
      method: "DELETE",
      headers: world.reporter.session.headers,
    });

    expect((await follow(ctx, issued)).status).toBe(404);
    expect(await list(world.admin.session, ticket.id)).toEqual({ status: 200, ids: [] });
  });
});

describe("deleting and restoring a file", () => {
  it("by its uploader: gone from reads and from issued URLs, back on restore, audited, with events", async () => {
    const ticket = await teamTicket();
    const file = await attach(ctx, world.reporter.session, ticket.id, pngBytes(1, 1));
    const issued = await linkFor(world.reporter.session, ticket.id, file.id);

    expect((await remove(world.reporter.session, ticket.id, file.id)).status).toBe(204);
    expect(await list(world.admin.session, ticket.id)).toEqual({ status: 200, ids: [] });
    expect((await follow(ctx, issued)).status).toBe(404);
    expect((await remove(world.reporter.session, ticket.id, file.id)).status).toBe(404);

    const restored = await restore(world.reporter.session, ticket.id, file.id);
    expect(restored.status).toBe(200);
    expect(await restored.json()).toMatchObject({ id: file.id, deletedAt: null });
    expect((await follow(ctx, issued)).status).toBe(200);
    const audits = await ctx.deps.db.select().from(auditLog).where(eq(auditLog.entityId, file.id));
    expect(audits.map((row) => row.action)).toEqual([
      "attachment.upload_started",
      "attachment.added",
      "attachment.deleted",
      "attachment.restored",
    ]);
    const recorded = await ctx.deps.db
      .select()
      .from(events)
      .where(eq(events.ticketId, ticket.id))
      .orderBy(events.id);
    expect(recorded.map((row) => row.type)).toEqual([
      "attachment.added",
      "attachment.deleted",
      "attachment.added",
    ]);
  });

  it("by a manager of the team; not by a developer who did not upload it (403), nor by a stale If-Match (412)", async () => {
    const ticket = await teamTicket();
    const file = await attach(ctx, world.reporter.session, ticket.id, pngBytes(1, 1));

    const developer = await remove(world.developerA.session, ticket.id, file.id);
    expect(developer.status).toBe(403);
    expect(await developer.json()).toMatchObject({ code: "not_attachment_uploader" });
    const stale = await ctx.app.request(`/v1/tickets/${ticket.id}/attachments/${file.id}`, {
      method: "DELETE",
      headers: { ...world.managerA.session.headers, "If-Match": '"99"' },
    });
    expect(stale.status).toBe(412);
    expect((await remove(world.managerA.session, ticket.id, file.id)).status).toBe(204);
    // A deleted file is found again only by those who may restore it.
    expect((await restore(world.developerA.session, ticket.id, file.id)).status).toBe(404);
    expect((await restore(world.managerA.session, ticket.id, file.id)).status).toBe(200);
  });
});
