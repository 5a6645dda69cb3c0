import { createHash, randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ByteRange, ObjectStore } from "../../deps.ts";
import { assertObjectKey, exactLength } from "./limits.ts";

/**
 * The embedded default: objects as files under a folder (`<DATA_DIR>/objects`). No presigning:
 * the API serves these files itself through its signed URLs (src/features/attachments/transfer.ts),
 * streaming them chunk by chunk, so memory stays flat whatever the file's size.
 */
export function createDiskObjectStore(root: string): ObjectStore {
  const base = resolve(root);
  const pathOf = (key: string) => {
    assertObjectKey(key);
    return join(base, key);
  };
  return {
    kind: "disk",
    async put(key, body, size) {
      const path = pathOf(key);
      await mkdir(dirname(path), { recursive: true });
      // Written aside and renamed: a reader never sees half a file, a failed upload leaves none.
      const partial = `${path}.${randomUUID()}.part`;
      try {
        await pipeline(
          Readable.fromWeb(body.pipeThrough(exactLength(size)) as never),
          createWriteStream(partial),
        );
        await rename(partial, path);
      } finally {
        await rm(partial, { force: true });
      }
    },
    async get(key, range?: ByteRange) {
      const path = pathOf(key);
      const size = await sizeOf(path);
      if (size === undefined) return undefined;
      const start = range ? Math.min(range.offset, size) : 0;
      const end = range ? Math.min(range.offset + range.length, size) : size;
      if (end <= start) return { body: new Blob([]).stream(), size: 0 };
      const file = createReadStream(path, { start, end: end - 1, highWaterMark: 64 * 1024 });
      return { body: Readable.toWeb(file) as ReadableStream<Uint8Array>, size: end - start };
    },
    async head(key) {
      const size = await sizeOf(pathOf(key));
      return size === undefined ? undefined : { size };
    },
    async sha256(key) {
      const path = pathOf(key);
      if ((await sizeOf(path)) === undefined) return undefined;
      const hash = createHash("sha256");
      for await (const chunk of createReadStream(path, { highWaterMark: 64 * 1024 })) hash.update(chunk);
      return hash.digest("hex");
    },
    async move(from, to) {
      const target = pathOf(to);
      await mkdir(dirname(target), { recursive: true });
      await rename(pathOf(from), target);
    },
    async delete(keys) {
      await Promise.all(keys.map((key) => rm(pathOf(key), { force: true })));
    },
  };
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    const info = await stat(path);
    return info.isFile() ? info.size : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}
