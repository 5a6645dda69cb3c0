import { dirname } from "node:path";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import type { WorkerdBuild } from "./workerd-build.ts";

export interface WorkerdDoor {
  fetch(request: Request): Promise<Response>;
  close(): Promise<void>;
}

export interface WorkerdDoorOptions {
  build: WorkerdBuild;
  /** The Worker's vars and secrets (wrangler.toml's [vars] are not used). */
  bindings: Record<string, string>;
  /** Every line the Worker wrote, parsed when it is JSON (the logger's lines are). */
  onLog(line: Record<string, unknown>): void;
  /** As TRUST_PROXY on Node: the right-most X-Forwarded-For entry is the client's address. */
  trustProxy: boolean;
  /** Whether the Worker writes its per-request line (LOG_LEVEL debug or info). */
  logsRequests: boolean;
}

/** How long a request's log line may trail its response through workerd's output pipe. */
const LOG_LINE_DEADLINE_MS = 5000;

/**
 * The built Worker in a workerd of its own (Miniflare), standing in for Cloudflare's edge: the
 * client address a test names becomes CF-Connecting-IP, as the edge sets it. Each request
 * resolves once the Worker's log line for it has arrived, so a test reads complete logs.
 */
export async function openWorkerdDoor(options: WorkerdDoorOptions): Promise<WorkerdDoor> {
  const requestLines = createLineCounter();
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      modulesRoot: dirname(options.build.modules[0]?.path ?? "."),
      modules: options.build.modules,
      compatibilityDate: options.build.compatibilityDate,
      compatibilityFlags: options.build.compatibilityFlags,
      bindings: options.bindings,
      // The job queue as wrangler.toml declares it: the Worker sends to it and consumes it.
      queueProducers: options.build.queueProducers,
      queueConsumers: options.build.queueConsumers,
      // wrangler.toml's R2 binding, simulated on disk-less storage as `wrangler dev` does.
      r2Buckets: ["ATTACHMENTS"],
      // Offline: no lookup of request.cf data.
      cf: false,
      handleStructuredLogs: ({ level, message }) => {
        const line = parseLine(level, message);
        options.onLog(line);
        if (line.msg === "request" && typeof line.requestId === "string") requestLines.saw(line.requestId);
      },
    }),
  );
  // Node's own fetch to workerd's socket, a real HTTP client as the edge is: Miniflare's
  // dispatchFetch drops headers with an empty value, which the Worker must see.
  const origin = await mf.ready;

  async function fetch(request: Request): Promise<Response> {
    const headers = new Headers(request.headers);
    const forwarded = headers.get("X-Forwarded-For")?.split(",").at(-1)?.trim();
    if (options.trustProxy && forwarded) headers.set("CF-Connecting-IP", forwarded);
    // app.request sends no Accept-Encoding; fetch would add gzip, and workerd would compress.
    if (!headers.has("Accept-Encoding")) headers.set("Accept-Encoding", "identity");
    const url = new URL(request.url);
    const response = await globalThis
      .fetch(new URL(`${url.pathname}${url.search}`, origin), {
        method: request.method,
        headers,
        body: request.body,
        duplex: "half",
        signal: request.signal,
        redirect: "manual",
      } as RequestInit)
      .catch((error: unknown) => {
        if (request.signal.aborted) throw error;
        // "fetch failed" alone hides what workerd did: closed the connection, refused the request...
        const cause =
          error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
        throw new Error(`workerd gave no response to ${request.method} ${url.pathname}: ${cause}`, {
          cause: error,
        });
      });
    const requestId = response.headers.get("X-Request-Id");
    if (options.logsRequests && requestId) await requestLines.await(requestId, request);
    return decoded(response);
  }

  return { fetch, close: () => mf.dispose() };
}

/** fetch has already decompressed the body: passing the header on would make a client decode twice. */
function decoded(response: Response): Response {
  if (!response.headers.has("Content-Encoding")) return response;
  const headers = new Headers(response.headers);
  headers.delete("Content-Encoding");
  headers.delete("Content-Length");
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

function parseLine(level: string, message: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(message);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // Not the app's logger: workerd's own warnings, or a stray console call.
  }
  return { level, msg: message, source: "workerd" };
}

/** Matches each response to its own request line, even when several share a request id. */
function createLineCounter() {
  const seen = new Map<string, number>();
  const waiting = new Map<string, (() => void)[]>();
  return {
    saw(requestId: string) {
      const waiter = waiting.get(requestId)?.shift();
      if (waiter) waiter();
      else seen.set(requestId, (seen.get(requestId) ?? 0) + 1);
    },
    await(requestId: string, request: Request): Promise<void> {
      const count = seen.get(requestId) ?? 0;
      if (count > 0) {
        seen.set(requestId, count - 1);
        return Promise.resolve();
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          const queue = waiting.get(requestId);
          queue?.splice(queue.indexOf(done), 1);
          reject(new Error(`the Worker logged no request line for ${request.method} ${request.url}`));
        }, LOG_LINE_DEADLINE_MS);
        const done = () => {
          clearTimeout(timer);
          resolve();
        };
        waiting.set(requestId, [...(waiting.get(requestId) ?? []), done]);
      });
    },
  };
}
