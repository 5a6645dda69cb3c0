import type { WebhookRequest, WebhookResponse, WebhookTransport } from "../../deps.ts";
import { refusedHostReason } from "../../features/webhooks/addresses.ts";

/** The host is, or resolves to, an address the SSRF guard refuses. */
export class WebhookTargetRefused extends Error {
  constructor(host: string, reason: string) {
    super(`webhook target ${host} refused: ${reason}`);
    this.name = "WebhookTargetRefused";
  }
}

export interface FetchTransportOptions {
  /** WEBHOOK_ALLOW_PRIVATE_TARGETS (development and test only). */
  allowPrivateTargets: boolean;
  /** undici's `dispatcher` on Node (the pinned connection); absent on Workers. */
  fetchInit?: Record<string, unknown>;
}

/**
 * The part both runtimes share: refuse internal names and address literals, POST without
 * following redirects, give up after the timeout, keep the first bytes of the answer and cancel
 * the rest. What a name resolves to is checked by the Node adapter's pinned lookup; a Worker's
 * fetch cannot be pinned (see src/adapters/webhooks/worker.ts).
 */
export function createFetchTransport(options: FetchTransportOptions): WebhookTransport {
  return {
    async post(request: WebhookRequest): Promise<WebhookResponse> {
      const url = new URL(request.url);
      const reason = options.allowPrivateTargets ? null : refusedHostReason(url.hostname);
      if (reason) throw new WebhookTargetRefused(url.hostname, reason);
      const response = await fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json", ...request.headers },
        body: request.body,
        redirect: "manual",
        signal: AbortSignal.timeout(request.timeoutMs),
        ...options.fetchInit,
      });
      return {
        status: response.status,
        retryAfter: response.headers.get("Retry-After"),
        body: await readAtMost(response, request.maxBodyBytes),
      };
    },
  };
}

/** Reads at most `limit` bytes of the body, then cancels it: a huge answer costs nothing more. */
async function readAtMost(response: Response, limit: number): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  const bytes = new Uint8Array(Math.min(size, limit));
  let offset = 0;
  for (const chunk of chunks) {
    const part = chunk.subarray(0, bytes.length - offset);
    bytes.set(part, offset);
    offset += part.length;
    if (offset >= bytes.length) break;
  }
  // A multi-byte character cut at the limit decodes as U+FFFD; drop it rather than keep half.
  return new TextDecoder().decode(bytes).replace(/\uFFFD$/, "");
}
