import http from "node:http";
import https from "node:https";
import { errors, type Requester, type UpstashRequest, type UpstashResponse } from "@upstash/redis";
import { subscriptionEndedMessage } from "./subscription-end.ts";

export interface NodeRequesterOptions {
  url: string;
  token: string;
  /** Deadline for one request, retries included in none: a timed-out command is not retried. */
  timeoutMs: number;
  /** Extra attempts after a connection error (refused, reset), each after `retryDelayMs`. */
  retries: number;
  retryDelayMs: number;
  /** Sees every round trip (metrics, and the benchmark's round-trip count). */
  onRoundTrip?: (durationMs: number, ok: boolean) => void;
}

/**
 * The Upstash REST protocol over node:http with a keep-alive agent. `@upstash/redis` itself calls
 * `fetch`, whose WHATWG streams cost ~4× the CPU per round trip of node:http (measured in the
 * benchmark notes); every authenticated request makes at least one round trip, so on Node this
 * requester replaces it. Same wire format as the library's own client: base64 response encoding,
 * read-your-writes sync token, server-sent events for subscriptions, `UpstashError` on failures.
 */
export class NodeHttpRequester implements Requester {
  readYourWrites = true;
  upstashSyncToken = "";
  private readonly base: URL;
  private readonly transport: typeof http | typeof https;
  private readonly agent: http.Agent;
  private readonly authorization: string;
  private readonly options: NodeRequesterOptions;

  constructor(options: NodeRequesterOptions) {
    this.options = options;
    this.base = new URL(options.url);
    this.transport = this.base.protocol === "https:" ? https : http;
    this.agent = new this.transport.Agent({ keepAlive: true, scheduling: "lifo" });
    this.authorization = `Bearer ${options.token}`;
  }

  async request<TResult>(req: UpstashRequest): Promise<UpstashResponse<TResult>> {
    for (let attempt = 0; ; attempt++) {
      const started = performance.now();
      try {
        const response = await this.send<TResult>(req);
        this.options.onRoundTrip?.(performance.now() - started, true);
        return response;
      } catch (error) {
        this.options.onRoundTrip?.(performance.now() - started, false);
        if (!isConnectionError(error) || attempt >= this.options.retries) throw error;
        await new Promise((resolve) => setTimeout(resolve, this.options.retryDelayMs));
      }
    }
  }

  /** Closes idle keep-alive sockets, so a process can exit without waiting for them. */
  close(): void {
    this.agent.destroy();
  }

  private send<TResult>(req: UpstashRequest): Promise<UpstashResponse<TResult>> {
    const body = JSON.stringify(req.body);
    const streaming = req.isStreaming === true && req.onMessage !== undefined;
    const headers: Record<string, string> = {
      "Content-Type": "application/json",
      "Content-Length": String(Buffer.byteLength(body)),
      Authorization: this.authorization,
      "Upstash-Encoding": "base64",
      ...req.headers,
    };
    if (this.readYourWrites) headers["Upstash-Sync-Token"] = this.upstashSyncToken;
    const path = [this.base.pathname.replace(/\/$/, ""), ...(req.path ?? [])].join("/") || "/";

    return new Promise((resolve, reject) => {
      const outgoing = this.transport.request(
        {
          host: this.base.hostname,
          port: this.base.port,
          method: "POST",
          path,
          headers,
          agent: this.agent,
          signal: req.signal,
          // A stream lives until its subscriber aborts; only a plain command has a deadline.
          timeout: streaming ? undefined : this.options.timeoutMs,
        },
        (response) => {
          const syncToken = response.headers["upstash-sync-token"];
          if (this.readYourWrites && typeof syncToken === "string") this.upstashSyncToken = syncToken;
          const ok = response.statusCode !== undefined && response.statusCode < 300;
          if (streaming && ok) {
            forwardEvents(response, req, req.onMessage as (data: string) => void);
            resolve({ result: 1 as TResult });
            return;
          }
          readAll(response).then((text) => {
            try {
              resolve(ok ? decodeResponse<TResult>(text) : rejectWith(text, req.body));
            } catch (error) {
              reject(error);
            }
          }, reject);
        },
      );
      outgoing.on("timeout", () =>
        outgoing.destroy(
          new errors.UpstashError(`Redis request timed out after ${this.options.timeoutMs} ms`),
        ),
      );
      outgoing.on("error", reject);
      outgoing.end(body);
    });
  }
}

function readAll(response: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on("data", (chunk: Buffer) => chunks.push(chunk));
    response.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    response.on("error", reject);
  });
}

/**
 * Relays a subscription's `data:` lines. When the response ends without the subscriber having
 * aborted it (the gateway died or closed it), the subscriber is told as Redis would tell it, with
 * an `unsubscribe` message counting 0: otherwise it would wait for messages that never come.
 */
function forwardEvents(
  response: http.IncomingMessage,
  req: UpstashRequest,
  onMessage: (data: string) => void,
): void {
  let ended = false;
  const endedByServer = () => {
    if (ended || req.signal?.aborted) return;
    ended = true;
    onMessage(subscriptionEndedMessage(req));
  };
  response.on("end", endedByServer);
  response.on("close", endedByServer);
  let buffered = "";
  response.setEncoding("utf8");
  response.on("data", (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    for (const line of lines) if (line.startsWith("data: ")) onMessage(line.slice(6));
  });
  // An aborted subscription ends here; the subscriber learns it from its own signal.
  response.on("error", () => {});
}

function rejectWith(text: string, command: unknown): never {
  let message: unknown;
  try {
    message = (JSON.parse(text) as { error?: unknown }).error;
  } catch (cause) {
    throw new errors.UpstashJSONParseError(text, { cause });
  }
  throw new errors.UpstashError(`${String(message)}, command was: ${JSON.stringify(command)}`);
}

type Encoded = { result?: unknown; error?: string };

function decodeResponse<TResult>(text: string): UpstashResponse<TResult> {
  let body: Encoded | Encoded[];
  try {
    body = JSON.parse(text) as Encoded | Encoded[];
  } catch (cause) {
    throw new errors.UpstashJSONParseError(text, { cause });
  }
  if (Array.isArray(body)) {
    return body.map(({ result, error }) => ({
      result: decodeValue(result),
      error,
    })) as UpstashResponse<TResult>;
  }
  return { result: decodeValue(body.result) as TResult, error: body.error };
}

/** Exactly the library's decoder: base64 strings back to UTF-8, "OK" and numbers as they are. */
function decodeValue(raw: unknown): unknown {
  if (typeof raw === "number") return raw;
  if (typeof raw === "string") return raw === "OK" ? raw : fromBase64(raw);
  if (Array.isArray(raw)) {
    return raw.map((item: unknown) =>
      typeof item === "string" ? fromBase64(item) : Array.isArray(item) ? item.map(decodeValue) : item,
    );
  }
  return typeof raw === "object" ? null : undefined;
}

function fromBase64(encoded: string): string {
  return Buffer.from(encoded, "base64").toString("utf8");
}

function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "ECONNREFUSED" || code === "ECONNRESET" || code === "EPIPE";
}
