import type { Tally } from "./tally.ts";

const REQUEST_TIMEOUT_MS = 30_000;

export interface CallOptions {
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface CallResult<T> {
  /** 0 when no answer came (refused, reset, timed out). */
  status: number;
  body: T | undefined;
  headers: Headers;
}

export type ApiCall = <T = unknown>(
  operation: string,
  method: string,
  path: string,
  options?: CallOptions,
) => Promise<CallResult<T>>;

/**
 * The soak's HTTP client: every call is timed and tallied under its operation's name. A call
 * without an answer is recorded as a transport error and returns status 0, never throws, so one
 * failed request cannot stop the traffic that follows it.
 */
export function createApiCall(baseUrl: string, tally: Tally): ApiCall {
  return async function call<T>(operation: string, method: string, path: string, options: CallOptions = {}) {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined) headers["content-type"] = "application/json";
    const started = performance.now();
    try {
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const text = await response.text();
      tally.record(operation, response.status, performance.now() - started);
      if (response.status >= 500)
        console.error(`${operation} ${method} ${path} answered ${response.status}: ${text.slice(0, 300)}`);
      const isJson = response.headers.get("content-type")?.includes("json") && text !== "";
      return {
        status: response.status,
        body: isJson ? (JSON.parse(text) as T) : undefined,
        headers: response.headers,
      };
    } catch (error) {
      tally.record(operation, "transport_error", performance.now() - started);
      console.error(`${operation} ${method} ${path} got no answer: ${String(error)}`);
      return { status: 0, body: undefined, headers: new Headers() };
    }
  };
}
