import { bodyLimit } from "hono/body-limit";
import { PayloadTooLargeError } from "../lib/errors.ts";

/** Rejects bodies over the limit with 413, by Content-Length up front or while streaming. */
export function limitBodySize(maxBytes: number) {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new PayloadTooLargeError(maxBytes);
    },
  });
}
