/** Object keys the API itself builds: `attachments/<ticket id>/<attachment id>`, nothing else. */
const OBJECT_KEY = /^[a-z0-9-]+(\/[a-z0-9-]+)*$/;

export function assertObjectKey(key: string): void {
  // A key becomes a file path on disk and a URL path on S3: refuse anything that could escape.
  if (!OBJECT_KEY.test(key)) throw new Error(`not an object key: ${JSON.stringify(key)}`);
}

/** Thrown by `put` when the body is longer or shorter than announced; nothing is stored then. */
export class ObjectSizeMismatchError extends Error {
  constructor(expected: number, actual: number) {
    super(`expected ${expected} bytes, got ${actual}${actual > expected ? " or more" : ""}`);
    this.name = "ObjectSizeMismatchError";
  }
}

/**
 * Passes a stream through unchanged and fails it as soon as it goes past `size` bytes, or ends
 * short of them: a client cannot store more than it announced, however it frames the body.
 */
export function exactLength(size: number): TransformStream<Uint8Array, Uint8Array> {
  let seen = 0;
  return new TransformStream({
    transform(chunk, controller) {
      seen += chunk.byteLength;
      if (seen > size) controller.error(new ObjectSizeMismatchError(size, seen));
      else controller.enqueue(chunk);
    },
    flush(controller) {
      if (seen !== size) controller.error(new ObjectSizeMismatchError(size, seen));
    },
  });
}
