import type { DigestStream, FixedLengthStream, R2Bucket } from "@cloudflare/workers-types";
import type { ByteRange, ObjectStore } from "../../deps.ts";
import { assertObjectKey, exactLength } from "./limits.ts";

// workerd's own stream classes; the project's ambient types are Node's, so they are named here.
const workerd = globalThis as unknown as {
  FixedLengthStream: typeof FixedLengthStream;
  crypto: { DigestStream: typeof DigestStream };
};

/**
 * Cloudflare R2 through its Worker binding. A binding cannot presign (that needs R2's S3 API and
 * its keys), so clients transfer through the API's own signed URLs and the Worker streams the
 * bytes between the request and R2: a FixedLengthStream gives R2 the length it requires without
 * buffering, and a DigestStream hashes a download as it flows. A Worker's memory (128 MB) never
 * holds an object.
 */
export function createR2ObjectStore(bucket: R2Bucket): ObjectStore {
  return {
    kind: "r2",
    async put(key, body, size) {
      assertObjectKey(key);
      const fixed = new workerd.FixedLengthStream(size);
      const [stored] = await Promise.all([
        bucket.put(key, fixed.readable as never),
        body.pipeThrough(exactLength(size)).pipeTo(fixed.writable as never),
      ]);
      if (!stored) throw new Error("R2 refused the object");
    },
    async get(key, range?: ByteRange) {
      assertObjectKey(key);
      const object = await bucket.get(
        key,
        range ? { range: { offset: range.offset, length: range.length } } : {},
      );
      if (!object) return undefined;
      const length = range
        ? Math.max(0, Math.min(range.length, object.size - Math.min(range.offset, object.size)))
        : object.size;
      return { body: object.body as unknown as ReadableStream<Uint8Array>, size: length };
    },
    async head(key) {
      assertObjectKey(key);
      const object = await bucket.head(key);
      return object ? { size: object.size } : undefined;
    },
    async sha256(key) {
      assertObjectKey(key);
      const object = await bucket.get(key);
      if (!object) return undefined;
      const digest = new workerd.crypto.DigestStream("SHA-256");
      await object.body.pipeTo(digest);
      const bytes = new Uint8Array(await digest.digest);
      return [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("");
    },
    async move(from, to) {
      // R2 has no server-side copy through the binding: the object streams through once.
      const source = await this.get(from);
      if (!source) throw new Error(`no object ${from}`);
      await this.put(to, source.body, source.size);
      await this.delete([from]);
    },
    async delete(keys) {
      for (const key of keys) assertObjectKey(key);
      if (keys.length > 0) await bucket.delete([...keys]);
    },
  };
}
