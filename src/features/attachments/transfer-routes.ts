import { Hono } from "hono";
import type { AppEnv } from "../../app-env.ts";
import { rateLimit } from "../../middleware/rate-limit.ts";
import { attachmentNotFound } from "./queries.ts";
import { receiveUpload, requireSignature, serveDownload } from "./transfer-service.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The API's own signed transfer URLs, for stores that cannot presign (disk, R2 binding). Outside
 * the OpenAPI document and the typed client on purpose: clients never build these URLs, they
 * only follow the ones `POST …/attachments` and `GET …/download` hand out, like S3's presigned
 * URLs. The signature is the credential (no bearer token), and bad input still answers
 * problem+json. Bodies stream to and from the store: no buffering, whatever the size.
 */
export const transferRoutes = new Hono<AppEnv>()
  .put("/:attachmentId", rateLimit("read", { by: "ip" }), async (c) => {
    const attachmentId = c.req.param("attachmentId");
    if (!UUID.test(attachmentId)) throw attachmentNotFound();
    await requireSignature(c.var.deps, "PUT", {
      attachmentId,
      expires: c.req.query("expires"),
      signature: c.req.query("signature"),
    });
    await receiveUpload(c.var.deps, attachmentId, c.req.raw.body, c.req.header("Content-Length"));
    return c.body(null, 204);
  })
  .get("/:attachmentId", rateLimit("read", { by: "ip" }), async (c) => {
    const attachmentId = c.req.param("attachmentId");
    if (!UUID.test(attachmentId)) throw attachmentNotFound();
    await requireSignature(c.var.deps, "GET", {
      attachmentId,
      expires: c.req.query("expires"),
      signature: c.req.query("signature"),
    });
    // Through c.body, so the headers every answer carries (CORS, request id, rate limit) travel too.
    const download = await serveDownload(c.var.deps, attachmentId);
    return c.body(download.body, 200, download.headers);
  });
