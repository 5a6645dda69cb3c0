import { createHash } from "node:crypto";
import { AwsClient } from "aws4fetch";
import type { ByteRange, ObjectStore } from "../../deps.ts";
import { assertObjectKey } from "./limits.ts";

export interface S3Settings {
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** `https://endpoint/bucket/key` (MinIO, s3rver) instead of `https://bucket.endpoint/key`. */
  pathStyle: boolean;
}

/**
 * Any S3-compatible store (AWS S3, R2's S3 API, MinIO), signed with aws4fetch (SigV4 on Web
 * Crypto and fetch). Clients upload and download straight from the store with presigned URLs;
 * the API only ever reads the first bytes (sniffing) and streams the object once to hash it.
 */
export function createS3ObjectStore(settings: S3Settings): ObjectStore {
  const client = new AwsClient({
    accessKeyId: settings.accessKeyId,
    secretAccessKey: settings.secretAccessKey,
    service: "s3",
    region: settings.region,
    // Retries would replay a consumed upload stream; callers retry whole verbs instead.
    retries: 0,
  });
  const urlOf = (key: string) => {
    assertObjectKey(key);
    const endpoint = new URL(settings.endpoint);
    const prefix = endpoint.pathname.replace(/\/$/, "");
    if (settings.pathStyle) return new URL(`${prefix}/${settings.bucket}/${key}`, endpoint);
    return new URL(`${endpoint.protocol}//${settings.bucket}.${endpoint.host}${prefix}/${key}`);
  };
  const presigned = async (
    url: URL,
    method: "PUT" | "GET",
    headers: Record<string, string>,
    expires: number,
  ) => {
    url.searchParams.set("X-Amz-Expires", String(expires));
    // allHeaders: Content-Type and Content-Length are signed too, so the store itself refuses
    // an upload of another size or type than the one the API checked.
    const signed = await client.sign(url.toString(), {
      method,
      headers,
      aws: { signQuery: true, allHeaders: true },
    });
    return { method, url: signed.url, headers };
  };
  const send = async (key: string, init: RequestInit) => {
    const response = await client.fetch(urlOf(key).toString(), init);
    if (response.status === 404) {
      await response.body?.cancel();
      return undefined;
    }
    // 416: a range past the end of an empty object, which `get` answers as no bytes.
    if (!response.ok && response.status !== 416) {
      const detail = (await response.text()).slice(0, 300);
      throw new Error(`S3 ${init.method ?? "GET"} answered ${response.status}: ${detail}`);
    }
    return response;
  };

  return {
    kind: "s3",
    presign: {
      put: (key, object, expires) =>
        presigned(
          urlOf(key),
          "PUT",
          { "content-type": object.contentType, "content-length": String(object.size) },
          expires,
        ),
      get: (key, response, expires) => {
        const url = urlOf(key);
        url.searchParams.set("response-content-type", response.contentType);
        url.searchParams.set("response-content-disposition", response.contentDisposition);
        url.searchParams.set("response-cache-control", "private, no-store");
        return presigned(url, "GET", {}, expires);
      },
    },
    async put(key, body, size) {
      const response = await send(key, {
        method: "PUT",
        body,
        headers: { "content-length": String(size) },
        // Node's fetch needs `duplex` for a streaming request body.
        duplex: "half",
      } as RequestInit & { duplex: "half" });
      await response?.body?.cancel();
    },
    async get(key, range?: ByteRange) {
      const headers: Record<string, string> = range
        ? { range: `bytes=${range.offset}-${range.offset + Math.max(range.length, 1) - 1}` }
        : {};
      const response = await send(key, { method: "GET", headers });
      if (!response) return undefined;
      if (response.status === 416) return { body: new Blob([]).stream(), size: 0 };
      const size = Number(response.headers.get("content-length") ?? 0);
      return { body: response.body ?? new Blob([]).stream(), size };
    },
    async head(key) {
      const response = await send(key, { method: "HEAD" });
      return response ? { size: Number(response.headers.get("content-length") ?? 0) } : undefined;
    },
    async sha256(key) {
      const response = await send(key, { method: "GET" });
      if (!response?.body) return undefined;
      const hash = createHash("sha256");
      for await (const chunk of response.body) hash.update(chunk);
      return hash.digest("hex");
    },
    async move(from, to) {
      assertObjectKey(from);
      const copied = await send(to, {
        method: "PUT",
        headers: { "x-amz-copy-source": `/${settings.bucket}/${from}` },
      });
      // CopyObject can answer 200 with an <Error> body when the copy fails midway.
      const answer = (await copied?.text()) ?? "";
      if (!copied || answer.includes("<Error>")) throw new Error(`S3 copy failed: ${answer.slice(0, 300)}`);
      await this.delete([from]);
    },
    async delete(keys) {
      // One request per key: DeleteObjects needs a Content-MD5 body, and sweeps delete few keys.
      for (const key of keys) {
        const response = await client.fetch(urlOf(key).toString(), { method: "DELETE" });
        await response.body?.cancel();
        if (!response.ok && response.status !== 404) throw new Error(`S3 DELETE answered ${response.status}`);
      }
    },
  };
}
