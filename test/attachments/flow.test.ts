import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog, events, ticketAttachments } from "../../src/db/schema.ts";
import type { Attachment } from "../../src/features/attachments/schemas.ts";
import {
  attach,
  complete,
  downloadLink,
  follow,
  pngBytes,
  sha256Of,
  startUpload,
  type TransferLink,
  text,
} from "../support/factories/attachments.ts";
import { insertTicket, ticketWorld } from "../support/factories/tickets.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";

let ctx: TestContext;
let world: Awaited<ReturnType<typeof ticketWorld>>;
beforeAll(async () => {
  ctx = await createTestContext({
    env: {
      TRUST_PROXY: "true",
      CORS_ORIGINS: "https://app.example",
      ATTACHMENT_MAX_BYTES: "4096",
      ATTACHMENT_MAX_PER_TICKET: "3",
      ATTACHMENT_MAX_TICKET_BYTES: "6000",
    },
  });
  world = await ticketWorld(ctx);
});
afterAll(() => ctx.close());

const teamTicket = () => insertTicket(ctx, { reporterId: world.reporter.user.id, teamId: world.teamA.id });

async function reserve(ticketId: string, bytes: Uint8Array, declared = "image/png") {
  const response = await startUpload(ctx, world.reporter.session, ticketId, {
    name: "file.bin",
    size: bytes.byteLength,
    contentType: declared,
    sha256: sha256Of(bytes),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as { attachment: Attachment; upload: TransferLink };
}

describe("uploading a file through the disk store", () => {
  it("reserves, takes the bytes, checks them and lists the file with its dimensions", async () => {
    const ticket = await teamTicket();
    const bytes = pngBytes(640, 480);

    const { attachment, upload } = await reserve(ticket.id, bytes);
    expect(attachment).toMatchObject({ status: "pending", contentType: null, size: bytes.byteLength });
    expect(upload.method).toBe("PUT");
    expect(new URL(upload.url).pathname).toBe(`/v1/attachment-transfers/${attachment.id}`);
    // Pending files are nobody's to see yet.
    const before = await ctx.app.request(`/v1/tickets/${ticket.id}/attachments`, {
      headers: world.admin.session.headers,
    });
    expect(((await before.json()) as { data: unknown[] }).data).toEqual([]);

    expect((await follow(ctx, upload, bytes)).status).toBe(204);
    const done = await complete(ctx, world.reporter.session, ticket.id, attachment.id);

    expect(done.status).toBe(200);
    const ready = (await done.json()) as Attachment;
    expect(ready).toMatchObject({
      status: "ready",
      contentType: "image/png",
      disposition: "inline",
      width: 640,
      height: 480,
      sha256: sha256Of(bytes),
      uploader: { id: world.reporter.user.id },
    });
    const list = await ctx.app.request(`/v1/tickets/${ticket.id}/attachments?count=true`, {
      headers: world.developerA.session.headers,
    });
    expect(await list.json()).toMatchObject({ data: [{ id: attachment.id, status: "ready" }], total: 1 });
    const audits = await ctx.deps.db.select().from(auditLog).where(eq(auditLog.entityId, attachment.id));
    expect(audits.map((row) => row.action).sort()).toEqual(["attachment.added", "attachment.upload_started"]);
    const recorded = await ctx.deps.db.select().from(events).where(eq(events.ticketId, ticket.id));
    expect(recorded.map((row) => row.type)).toEqual(["attachment.added"]);
  });

  it("serves the download with the sniffed type, an RFC 6266 name and nosniff", async () => {
    const ticket = await teamTicket();
    const bytes = pngBytes(2, 3);
    const file = await attach(ctx, world.reporter.session, ticket.id, bytes, { name: 'naïve "shot".png' });

    const link = (await (
      await downloadLink(ctx, world.managerA.session, ticket.id, file.id)
    ).json()) as TransferLink;
    const response = await follow(ctx, link, undefined, { Origin: "https://app.example" });

    expect(response.status).toBe(200);
    // A frontend on another origin reads the file with fetch(): the answer carries CORS.
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe("https://app.example");
    expect(response.headers.get("X-Request-Id")).toBeTruthy();
    expect(response.headers.get("Content-Type")).toBe("image/png");
    expect(response.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(response.headers.get("Content-Disposition")).toBe(
      `inline; filename="na_ve _shot_.png"; filename*=UTF-8''na%C3%AFve%20%22shot%22.png`,
    );
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(bytes);
  });

  it("sniffs the bytes whatever the client declared: a PNG declared as text is served as a PNG", async () => {
    const ticket = await teamTicket();
    const file = await attach(ctx, world.reporter.session, ticket.id, pngBytes(5, 7), {
      contentType: "text/plain",
    });
    expect(file).toMatchObject({ contentType: "image/png", width: 5, height: 7 });
  });

  it("refuses HTML that claims to be a PNG at completion (415), and deletes its bytes", async () => {
    const ticket = await teamTicket();
    const bytes = text("<!DOCTYPE html><script>alert(document.cookie)</script>");
    const { attachment, upload } = await reserve(ticket.id, bytes, "image/png");
    await follow(ctx, upload, bytes);

    const done = await complete(ctx, world.reporter.session, ticket.id, attachment.id);

    expect(done.status).toBe(415);
    expect(done.headers.get("Content-Type")).toContain("application/problem+json");
    expect(await done.json()).toMatchObject({ code: "attachment_type_not_allowed" });
    const [row] = await ctx.deps.db
      .select()
      .from(ticketAttachments)
      .where(eq(ticketAttachments.id, attachment.id));
    expect(row?.status).toBe("pending");
    expect(await ctx.deps.objects.head(row?.storageKey ?? "")).toBeUndefined();
  });

  it("refuses bytes whose SHA-256 is not the announced one (422)", async () => {
    const ticket = await teamTicket();
    const bytes = pngBytes(1, 1);
    const response = await startUpload(ctx, world.reporter.session, ticket.id, {
      name: "a.png",
      size: bytes.byteLength,
      contentType: "image/png",
      sha256: sha256Of(text("something else")),
    });
    const { attachment, upload } = (await response.json()) as {
      attachment: Attachment;
      upload: TransferLink;
    };
    await follow(ctx, upload, bytes);

    const done = await complete(ctx, world.reporter.session, ticket.id, attachment.id);

    expect(done.status).toBe(422);
    expect(await done.json()).toMatchObject({ code: "checksum_mismatch" });
  });

  it("answers 409 upload_missing when completing before the upload", async () => {
    const ticket = await teamTicket();
    const { attachment } = await reserve(ticket.id, pngBytes(1, 1));
    const done = await complete(ctx, world.reporter.session, ticket.id, attachment.id);
    expect(done.status).toBe(409);
    expect(await done.json()).toMatchObject({ code: "upload_missing" });
  });
});

describe("limits", () => {
  const claim = (overrides: Record<string, unknown>) => ({
    name: "x.png",
    size: 100,
    contentType: "image/png",
    sha256: "0".repeat(64),
    ...overrides,
  });

  it("refuses an oversized file (422 naming size) and a disallowed type (415) before storing anything", async () => {
    const ticket = await teamTicket();
    const big = await startUpload(ctx, world.reporter.session, ticket.id, claim({ size: 4097 }));
    const html = await startUpload(
      ctx,
      world.reporter.session,
      ticket.id,
      claim({ contentType: "text/html" }),
    );

    expect(big.status).toBe(422);
    expect(await big.json()).toMatchObject({ code: "attachment_too_large", errors: [{ path: "body.size" }] });
    expect(html.status).toBe(415);
    expect(await html.json()).toMatchObject({
      code: "attachment_type_not_allowed",
      errors: [{ path: "body.contentType" }],
    });
    const rows = await ctx.deps.db
      .select()
      .from(ticketAttachments)
      .where(eq(ticketAttachments.ticketId, ticket.id));
    expect(rows).toEqual([]);
  });

  it("holds a ticket to its count and its total bytes, reservations included", async () => {
    const ticket = await teamTicket();
    for (const size of [2000, 2000]) {
      expect((await startUpload(ctx, world.reporter.session, ticket.id, claim({ size }))).status).toBe(201);
    }
    const overBytes = await startUpload(ctx, world.reporter.session, ticket.id, claim({ size: 2001 }));
    expect(overBytes.status).toBe(409);
    expect(await overBytes.json()).toMatchObject({ code: "ticket_attachments_too_large" });
    expect((await startUpload(ctx, world.reporter.session, ticket.id, claim({ size: 2000 }))).status).toBe(
      201,
    );
    const overCount = await startUpload(ctx, world.reporter.session, ticket.id, claim({ size: 1 }));
    expect(overCount.status).toBe(409);
    expect(await overCount.json()).toMatchObject({ code: "attachment_limit_reached" });
  });

  it("refuses an upload longer than reserved, by Content-Length and by the bytes themselves", async () => {
    const ticket = await teamTicket();
    const bytes = pngBytes(1, 1);
    const { upload } = await reserve(ticket.id, bytes);
    const longer = new Uint8Array(bytes.byteLength + 10);

    const declared = await follow(ctx, upload, longer);
    const lying = await follow(ctx, upload, longer, { "content-length": String(bytes.byteLength) });

    expect(declared.status).toBe(413);
    expect(declared.headers.get("Content-Type")).toContain("application/problem+json");
    expect([400, 413]).toContain(lying.status);
  });
});

describe("the API's signed transfer URLs", () => {
  it("answer problem+json 403 to a forged, expired or other-method signature, 404 to a bad id", async () => {
    const ticket = await teamTicket();
    const bytes = pngBytes(1, 1);
    const { attachment, upload } = await reserve(ticket.id, bytes);
    const url = new URL(upload.url);
    const forged = new URL(url);
    forged.searchParams.set("signature", "A".repeat(43));
    const expired = new URL(url);
    expired.searchParams.set("expires", "1");

    const responses = await Promise.all([
      ctx.app.request(forged.toString(), {
        method: "PUT",
        body: bytes,
        headers: { "content-length": "133" },
      }),
      ctx.app.request(expired.toString(), {
        method: "PUT",
        body: bytes,
        headers: { "content-length": "133" },
      }),
      ctx.app.request(url.toString()),
      ctx.app.request(`${url.pathname}?expires=abc`),
    ]);

    for (const response of responses) {
      expect(response.status).toBe(403);
      expect(response.headers.get("Content-Type")).toContain("application/problem+json");
    }
    const bad = await ctx.app.request("/v1/attachment-transfers/not-a-uuid?expires=1&signature=x");
    expect(bad.status).toBe(404);
    expect(bad.headers.get("Content-Type")).toContain("application/problem+json");
    void attachment;
  });

  it("refuse a second upload once the file is complete", async () => {
    const ticket = await teamTicket();
    const bytes = pngBytes(1, 1);
    const { attachment, upload } = await reserve(ticket.id, bytes);
    await follow(ctx, upload, bytes);
    await complete(ctx, world.reporter.session, ticket.id, attachment.id);

    const again = await follow(ctx, upload, text("<html><script>x</script>").slice(0, bytes.byteLength));

    expect(again.status).toBe(409);
  });
});

describe("abandoned uploads", () => {
  it("are removed with their bytes by the maintenance sweep after the pending TTL", async () => {
    const { sweepAbandonedUploads } = await import("../../src/features/attachments/sweep.ts");
    const ticket = await teamTicket();
    const bytes = pngBytes(1, 1);
    const abandoned = await reserve(ticket.id, bytes);
    await follow(ctx, abandoned.upload, bytes);
    const kept = await attach(ctx, world.reporter.session, ticket.id, pngBytes(2, 2));

    const early = await sweepAbandonedUploads(ctx.deps);
    const later = { ...ctx.deps, clock: { now: () => new Date(Date.now() + 181 * 60_000) } };
    const removed = await sweepAbandonedUploads(later);

    expect(early).toBe(0);
    expect(removed).toBeGreaterThanOrEqual(1);
    const rows = await ctx.deps.db
      .select({ id: ticketAttachments.id })
      .from(ticketAttachments)
      .where(and(eq(ticketAttachments.ticketId, ticket.id)));
    expect(rows.map((row) => row.id)).toEqual([kept.id]);
    expect(await ctx.deps.objects.head(`uploads/${ticket.id}/${abandoned.attachment.id}`)).toBeUndefined();
  });
});

describe("completing the same upload twice at once", () => {
  it("makes the file ready once; the other answer is the file or a 409, never a 500", async () => {
    const ticket = await teamTicket();
    const bytes = pngBytes(3, 3);
    const { attachment, upload } = await reserve(ticket.id, bytes);
    await follow(ctx, upload, bytes);

    const answers = await Promise.all([
      complete(ctx, world.reporter.session, ticket.id, attachment.id),
      complete(ctx, world.reporter.session, ticket.id, attachment.id),
    ]);

    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses[0]).toBe(200);
    expect([200, 409]).toContain(statuses[1]);
    const recorded = await ctx.deps.db.select().from(events).where(eq(events.ticketId, ticket.id));
    expect(recorded.map((row) => row.type)).toEqual(["attachment.added"]);
  });
});
