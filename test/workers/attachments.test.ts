import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { jsonRequest, type Session } from "../support/factories.ts";
import { signedIn } from "./support/accounts.ts";
import { workerFetch } from "./support/requests.ts";

/** The R2 binding of wrangler.toml, as Miniflare simulates it. */
const bucket = (env as unknown as { ATTACHMENTS: R2BucketLike }).ATTACHMENTS;
interface R2BucketLike {
  head(key: string): Promise<{ size: number } | null>;
}

let admin: Session;
let reporter: Awaited<ReturnType<typeof signedIn>>;
let outsider: Awaited<ReturnType<typeof signedIn>>;
beforeAll(async () => {
  admin = (await signedIn("admin")).session;
  reporter = await signedIn("reporter");
  outsider = await signedIn("reporter");
});

interface Link {
  method: string;
  url: string;
  headers: Record<string, string>;
}
interface Attachment {
  id: string;
  status: string;
  contentType: string | null;
  width: number | null;
  height: number | null;
}

async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return [...digest].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

function gif(width: number, height: number, size = 64): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  bytes.set(new TextEncoder().encode("GIF89a"));
  new DataView(bytes.buffer).setUint16(6, width, true);
  new DataView(bytes.buffer).setUint16(8, height, true);
  return bytes;
}

async function newTicket(): Promise<string> {
  const response = await workerFetch(
    "/v1/tickets",
    jsonRequest("POST", { title: "With a file" }, reporter.session.headers),
  );
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

/** Follows one of the API's own signed URLs into the Worker. */
function follow(link: Link, body?: Uint8Array) {
  const url = new URL(link.url);
  return workerFetch(`${url.pathname}${url.search}`, {
    method: link.method,
    headers: { ...link.headers, ...(body ? { "content-length": String(body.byteLength) } : {}) },
    ...(body ? { body } : {}),
  });
}

async function upload(ticketId: string, bytes: Uint8Array<ArrayBuffer>, contentType: string) {
  const started = await workerFetch(
    `/v1/tickets/${ticketId}/attachments`,
    jsonRequest(
      "POST",
      { name: "file.gif", size: bytes.byteLength, contentType, sha256: await sha256Hex(bytes) },
      reporter.session.headers,
    ),
  );
  expect(started.status).toBe(201);
  const { attachment, upload: link } = (await started.json()) as { attachment: Attachment; upload: Link };
  expect((await follow(link, bytes)).status).toBe(204);
  const done = await workerFetch(`/v1/tickets/${ticketId}/attachments/${attachment.id}/complete`, {
    method: "POST",
    headers: reporter.session.headers,
  });
  return { attachment, done };
}

describe("attachments on the R2 binding, inside workerd", () => {
  it("streams the upload into R2, checks it, and serves it back with safe headers", async () => {
    const ticketId = await newTicket();
    // Large enough to take many chunks through the Worker's FixedLengthStream.
    const bytes = gif(320, 200, 3 * 1024 * 1024);

    const { attachment, done } = await upload(ticketId, bytes, "image/gif");

    expect(done.status).toBe(200);
    expect(await done.json()).toMatchObject({
      status: "ready",
      contentType: "image/gif",
      width: 320,
      height: 200,
    });
    expect(await bucket.head(`attachments/${ticketId}/${attachment.id}`)).toMatchObject({
      size: bytes.byteLength,
    });
    expect(await bucket.head(`uploads/${ticketId}/${attachment.id}`)).toBeNull();
    const link = (await (
      await workerFetch(`/v1/tickets/${ticketId}/attachments/${attachment.id}/download`, {
        headers: admin.headers,
      })
    ).json()) as Link;
    const served = await follow(link);
    expect(served.status).toBe(200);
    expect(served.headers.get("Content-Type")).toBe("image/gif");
    expect(served.headers.get("Content-Disposition")).toMatch(/^inline; filename="file.gif"/);
    expect(served.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(await sha256Hex(new Uint8Array(await served.arrayBuffer()))).toBe(await sha256Hex(bytes));
  });

  it("refuses SVG declared as a GIF, and deletes it from R2", async () => {
    const ticketId = await newTicket();
    const svg = new TextEncoder().encode(
      '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    );

    const { attachment, done } = await upload(ticketId, svg, "image/gif");

    expect(done.status).toBe(415);
    expect(await bucket.head(`attachments/${ticketId}/${attachment.id}`)).toBeNull();
  });

  it("hides another reporter's ticket's files behind a 404", async () => {
    const ticketId = await newTicket();
    const { attachment } = await upload(ticketId, gif(1, 1), "image/gif");

    const response = await workerFetch(`/v1/tickets/${ticketId}/attachments/${attachment.id}/download`, {
      headers: outsider.session.headers,
    });

    expect(response.status).toBe(404);
  });
});
