import { createHash } from "node:crypto";
import type { Attachment } from "../../../src/features/attachments/schemas.ts";
import { jsonRequest, type Session } from "../factories.ts";
import type { TestContext } from "../test-context.ts";

export interface TransferLink {
  method: "PUT" | "GET";
  url: string;
  headers: Record<string, string>;
  expiresAt: string;
}

export const sha256Of = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** A PNG's signature and IHDR chunk (what sniffing reads), then filler: enough to be a PNG here. */
export function pngBytes(width: number, height: number, filler = 100): Uint8Array {
  const bytes = new Uint8Array(33 + filler);
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  const view = new DataView(bytes.buffer);
  view.setUint32(16, width);
  view.setUint32(20, height);
  bytes.set([8, 6, 0, 0, 0], 24);
  for (let index = 33; index < bytes.length; index++) bytes[index] = index % 251;
  return bytes;
}

export const text = (value: string) => new TextEncoder().encode(value);

export function startUpload(
  ctx: TestContext,
  session: Session,
  ticketId: string,
  body: Record<string, unknown>,
) {
  return ctx.app.request(`/v1/tickets/${ticketId}/attachments`, jsonRequest("POST", body, session.headers));
}

/** Sends the request a link describes: into the app for its own URLs, over the network otherwise. */
export function follow(
  ctx: TestContext,
  link: TransferLink,
  body?: Uint8Array,
  extraHeaders: Record<string, string> = {},
) {
  const init: RequestInit = {
    method: link.method,
    headers: {
      ...link.headers,
      ...(body ? { "content-length": String(body.byteLength) } : {}),
      ...extraHeaders,
    },
    ...(body ? { body } : {}),
  };
  return link.url.startsWith("http://localhost/") ? ctx.app.request(link.url, init) : fetch(link.url, init);
}

export function complete(ctx: TestContext, session: Session, ticketId: string, attachmentId: string) {
  return ctx.app.request(`/v1/tickets/${ticketId}/attachments/${attachmentId}/complete`, {
    method: "POST",
    headers: session.headers,
  });
}

export async function downloadLink(
  ctx: TestContext,
  session: Session,
  ticketId: string,
  attachmentId: string,
) {
  return ctx.app.request(`/v1/tickets/${ticketId}/attachments/${attachmentId}/download`, {
    headers: session.headers,
  });
}

/** The whole upload: reserve, send the bytes, complete; fails the test on any other status. */
export async function attach(
  ctx: TestContext,
  session: Session,
  ticketId: string,
  bytes: Uint8Array,
  options: { name?: string; contentType?: string; commentId?: string } = {},
): Promise<Attachment> {
  const started = await startUpload(ctx, session, ticketId, {
    name: options.name ?? "screenshot.png",
    size: bytes.byteLength,
    contentType: options.contentType ?? "image/png",
    sha256: sha256Of(bytes),
    ...(options.commentId ? { commentId: options.commentId } : {}),
  });
  if (started.status !== 201) throw new Error(`start failed: ${started.status} ${await started.text()}`);
  const { attachment, upload } = (await started.json()) as { attachment: Attachment; upload: TransferLink };
  const sent = await follow(ctx, upload, bytes);
  if (!sent.ok) throw new Error(`upload failed: ${sent.status} ${await sent.text()}`);
  const done = await complete(ctx, session, ticketId, attachment.id);
  if (done.status !== 200) throw new Error(`complete failed: ${done.status} ${await done.text()}`);
  return (await done.json()) as Attachment;
}
