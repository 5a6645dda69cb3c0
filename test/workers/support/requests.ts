import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import type { WorkerEnv } from "../../../src/worker/config.ts";
import worker from "../../../src/worker.ts";

/** Sends a request to the Worker under test through workerd's own fetch path. */
export function workerFetch(path: string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(new Request(new URL(path, "http://tixgenius.test"), init));
}

/** A request straight into the Worker's default export with the env given, its waitUntil awaited. */
export async function workerFetchWith(workerEnv: WorkerEnv, path: string, init: RequestInit = {}) {
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    new Request(new URL(path, "http://tixgenius.test"), init),
    workerEnv,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}
