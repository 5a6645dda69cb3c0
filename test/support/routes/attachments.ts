import type { ProtectedRoute } from "../route-table.ts";
import { EVERYONE, MISSING_ID } from "./constants.ts";
import { type Api, type Caller, call, callersTicket } from "./scene.ts";

const files = `/v1/tickets/${MISSING_ID}/attachments`;
const file = `${files}/${MISSING_ID}`;
// A 1×1 GIF header: a file every default configuration accepts.
const GIF = new Uint8Array([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 1, 0, 1, 0, 0, 0]);
/** SHA-256 of GIF, written out: this table also runs inside workerd, without node:crypto. */
const GIF_SHA256 = "6a64867a3387b1be073a2cbc9b13d9c73745cf7f28b9e1c3f95a0f5376279399";
const CLAIM = { name: "pixel.gif", size: GIF.byteLength, contentType: "image/gif", sha256: GIF_SHA256 };

/**
 * A file the caller uploaded to a ticket they see: reserved, sent through the API's own signed
 * URL (the disk store on Node, the R2 binding in workerd) and, unless `pending`, completed.
 */
async function callersFile(api: Api, caller: Caller, state: "pending" | "ready" | "deleted" = "ready") {
  const { id } = await callersTicket(api, caller);
  const { attachment, upload } = await call<{ attachment: { id: string }; upload: { url: string } }>(
    api,
    "POST",
    `/v1/tickets/${id}/attachments`,
    CLAIM,
    caller.session,
  );
  const url = new URL(upload.url);
  const sent = await api.send(`${url.pathname}${url.search}`, {
    method: "PUT",
    headers: { "content-type": "image/gif", "content-length": String(GIF.byteLength) },
    body: GIF,
  });
  if (sent.status !== 204) throw new Error(`setup upload failed: ${sent.status} ${await sent.text()}`);
  const path = `/v1/tickets/${id}/attachments/${attachment.id}`;
  if (state === "pending") return path;
  await call(api, "POST", `${path}/complete`, undefined, caller.session);
  if (state === "deleted") await call(api, "DELETE", path, undefined, caller.session);
  return path;
}

/** Anyone who sees a ticket may attach files; the uploader (or a manager, an admin) deletes them. */
export const ATTACHMENT_ROUTES: readonly ProtectedRoute[] = [
  {
    method: "GET",
    path: "/v1/tickets/{id}/attachments",
    allowed: EVERYONE,
    scope: "tickets:read",
    request: { path: files },
    success: 200,
    prepare: async (api, caller) => ({
      path: `/v1/tickets/${(await callersTicket(api, caller)).id}/attachments`,
    }),
  },
  {
    method: "POST",
    path: "/v1/tickets/{id}/attachments",
    allowed: EVERYONE,
    scope: "tickets:write",
    request: { path: files, body: CLAIM },
    success: 201,
    prepare: async (api, caller) => ({
      path: `/v1/tickets/${(await callersTicket(api, caller)).id}/attachments`,
      body: CLAIM,
    }),
  },
  {
    method: "GET",
    path: "/v1/tickets/{id}/attachments/{attachmentId}",
    allowed: EVERYONE,
    scope: "tickets:read",
    request: { path: file },
    success: 200,
    prepare: async (api, caller) => ({ path: await callersFile(api, caller) }),
  },
  {
    method: "DELETE",
    path: "/v1/tickets/{id}/attachments/{attachmentId}",
    allowed: EVERYONE,
    scope: "tickets:write",
    request: { path: file },
    success: 204,
    prepare: async (api, caller) => ({ path: await callersFile(api, caller) }),
  },
  {
    method: "POST",
    path: "/v1/tickets/{id}/attachments/{attachmentId}/complete",
    allowed: EVERYONE,
    scope: "tickets:write",
    request: { path: `${file}/complete` },
    success: 200,
    prepare: async (api, caller) => ({ path: `${await callersFile(api, caller, "pending")}/complete` }),
  },
  {
    method: "GET",
    path: "/v1/tickets/{id}/attachments/{attachmentId}/download",
    allowed: EVERYONE,
    scope: "tickets:read",
    request: { path: `${file}/download` },
    success: 200,
    prepare: async (api, caller) => ({ path: `${await callersFile(api, caller)}/download` }),
  },
  {
    method: "POST",
    path: "/v1/tickets/{id}/attachments/{attachmentId}/restore",
    allowed: EVERYONE,
    scope: "tickets:write",
    request: { path: `${file}/restore` },
    success: 200,
    prepare: async (api, caller) => ({ path: `${await callersFile(api, caller, "deleted")}/restore` }),
  },
];
