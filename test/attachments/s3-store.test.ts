import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import S3rver from "s3rver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createS3ObjectStore } from "../../src/adapters/object-store/s3.ts";
import type { ObjectStore } from "../../src/deps.ts";
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

const BUCKET = "tixgenius-test";
let server: S3rver;
let directory: string;
let endpoint: string;
let store: ObjectStore;
let ctx: TestContext;
let world: Awaited<ReturnType<typeof ticketWorld>>;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "s3rver-"));
  server = new S3rver({
    port: 0,
    address: "127.0.0.1",
    silent: true,
    directory,
    configureBuckets: [{ name: BUCKET, configs: [] }],
  });
  const address = (await server.run()) as AddressInfo;
  endpoint = `http://127.0.0.1:${address.port}`;
  // s3rver's fixed credentials; it checks SigV4 signatures made with them.
  store = createS3ObjectStore({
    endpoint,
    bucket: BUCKET,
    region: "us-east-1",
    accessKeyId: "S3RVER",
    secretAccessKey: "S3RVER",
    pathStyle: true,
  });
  ctx = await createTestContext({ objects: store, env: { TRUST_PROXY: "true" } });
  world = await ticketWorld(ctx);
});
afterAll(async () => {
  await ctx?.close();
  await server?.close();
  await rm(directory, { recursive: true, force: true });
});

const streamOf = (bytes: Uint8Array) => new Blob([new Uint8Array(bytes)]).stream();
const readAll = async (body: ReadableStream<Uint8Array>) =>
  new Uint8Array(await new Response(body).arrayBuffer());

describe("the S3 adapter against a local S3-compatible server", () => {
  it("puts a stream, reads it whole and by range, hashes, moves and deletes it", async () => {
    const bytes = pngBytes(9, 9, 5000);
    const key = `uploads/adapter/${crypto.randomUUID()}`;
    const moved = `attachments/adapter/${crypto.randomUUID()}`;

    await store.put(key, streamOf(bytes), bytes.byteLength);

    expect(await store.head(key)).toEqual({ size: bytes.byteLength });
    const whole = await store.get(key);
    expect(await readAll(whole?.body ?? streamOf(new Uint8Array()))).toEqual(bytes);
    const range = await store.get(key, { offset: 10, length: 20 });
    expect(await readAll(range?.body ?? streamOf(new Uint8Array()))).toEqual(bytes.subarray(10, 30));
    expect(await store.sha256(key)).toBe(sha256Of(bytes));
    await store.move(key, moved);
    expect(await store.head(key)).toBeUndefined();
    expect(await store.sha256(moved)).toBe(sha256Of(bytes));
    await store.delete([moved, "uploads/never/written"]);
    expect(await store.head(moved)).toBeUndefined();
    expect(await store.get(moved)).toBeUndefined();
  });

  it("presigns a GET that answers with the type and disposition asked for", async () => {
    const key = `attachments/adapter/${crypto.randomUUID()}`;
    await store.put(key, streamOf(text("<html>not here</html>")), 21);

    const signed = await store.presign?.get(
      key,
      { contentType: "text/html", contentDisposition: 'attachment; filename="x.html"' },
      60,
    );
    const response = await fetch(signed?.url ?? "");

    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("text/html");
    expect(response.headers.get("Content-Disposition")).toBe('attachment; filename="x.html"');
    expect(await response.text()).toBe("<html>not here</html>");
  });
});

describe("attachments on S3: the bytes bypass the API", () => {
  const teamTicket = () => insertTicket(ctx, { reporterId: world.reporter.user.id, teamId: world.teamA.id });

  it("uploads and downloads through presigned URLs to the store itself", async () => {
    const ticket = await teamTicket();
    const bytes = pngBytes(800, 600, 10_000);

    const started = await startUpload(ctx, world.reporter.session, ticket.id, {
      name: "été.png",
      size: bytes.byteLength,
      contentType: "image/png",
      sha256: sha256Of(bytes),
    });
    const { attachment, upload } = (await started.json()) as { attachment: Attachment; upload: TransferLink };
    expect(new URL(upload.url).origin).toBe(endpoint);
    expect((await follow(ctx, upload, bytes)).status).toBe(200);
    const done = await complete(ctx, world.reporter.session, ticket.id, attachment.id);
    expect(done.status).toBe(200);
    expect(await done.json()).toMatchObject({ contentType: "image/png", width: 800, height: 600 });

    const link = (await (
      await downloadLink(ctx, world.developerA.session, ticket.id, attachment.id)
    ).json()) as TransferLink;
    expect(new URL(link.url).origin).toBe(endpoint);
    const served = await follow(ctx, link);
    expect(served.status).toBe(200);
    expect(served.headers.get("Content-Type")).toBe("image/png");
    expect(served.headers.get("Content-Disposition")).toBe(
      `inline; filename="_t_.png"; filename*=UTF-8''%C3%A9t%C3%A9.png`,
    );
    expect(new Uint8Array(await served.arrayBuffer())).toEqual(bytes);
  });

  it("refuses HTML declared as plain text at completion and deletes it from the bucket", async () => {
    const ticket = await teamTicket();
    const bytes = text("<html><body><script>steal()</script></body></html>");
    const started = await startUpload(ctx, world.reporter.session, ticket.id, {
      name: "notes.txt",
      size: bytes.byteLength,
      contentType: "text/plain",
      sha256: sha256Of(bytes),
    });
    const { attachment, upload } = (await started.json()) as { attachment: Attachment; upload: TransferLink };
    await follow(ctx, upload, bytes);

    const done = await complete(ctx, world.reporter.session, ticket.id, attachment.id);

    expect(done.status).toBe(415);
    expect(await store.head(`attachments/${ticket.id}/${attachment.id}`)).toBeUndefined();
    expect(await store.head(`uploads/${ticket.id}/${attachment.id}`)).toBeUndefined();
  });

  it("lists what completed, like the disk store", async () => {
    const ticket = await teamTicket();
    const file = await attach(ctx, world.reporter.session, ticket.id, pngBytes(1, 2));
    const list = await ctx.app.request(`/v1/tickets/${ticket.id}/attachments`, {
      headers: world.admin.session.headers,
    });
    expect(await list.json()).toMatchObject({ data: [{ id: file.id, width: 1, height: 2 }] });
  });
});
