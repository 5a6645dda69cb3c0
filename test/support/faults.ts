import { expect } from "vitest";

/** Runs `work` and says how long it took. */
export async function timed<T>(work: () => T | Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

/**
 * Probes until `accept` holds or `timeoutMs` passed, and returns the last value: for what recovers
 * on its own schedule (a client's reconnect back-off), never as a stand-in for a trigger.
 */
export async function eventually<T>(
  probe: () => T | Promise<T>,
  accept: (value: T) => boolean,
  timeoutMs = 3000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A 503 `service_unavailable` problem the client may retry: Retry-After, no internals. */
export async function expectServiceUnavailable(response: Response): Promise<Record<string, unknown>> {
  const text = await response.text();
  expect(response.status, text).toBe(503);
  expect(response.headers.get("Content-Type")).toBe("application/problem+json");
  expect(Number(response.headers.get("Retry-After"))).toBeGreaterThan(0);
  const problem = JSON.parse(text) as Record<string, unknown>;
  expect(problem).toMatchObject({ status: 503, code: "service_unavailable" });
  expect(text).not.toMatch(/ECONN|postgres:|redis:|127\.0\.0\.1|\bat .+:\d+:\d+/);
  return problem;
}

/** The log lines the app wrote while `work` ran (requests in a test run one after another). */
export async function loggedDuring<T>(
  logs: Record<string, unknown>[],
  work: () => T | Promise<T>,
): Promise<{ value: T; lines: Record<string, unknown>[] }> {
  const from = logs.length;
  const value = await work();
  return { value, lines: logs.slice(from) };
}
