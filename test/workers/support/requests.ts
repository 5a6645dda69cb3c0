import { exports } from "cloudflare:workers";

/** Sends a request to the Worker under test through workerd's own fetch path. */
export function workerFetch(path: string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(new Request(new URL(path, "http://tixgenius.test"), init));
}
