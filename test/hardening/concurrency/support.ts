import { afterAll, beforeAll, expect } from "vitest";
import { createDoorContext } from "../../support/door.ts";
import type { Session } from "../../support/factories.ts";
import { type HttpServer, startHttpServer } from "../../support/http-server.ts";
import type { TestContext } from "../../support/test-context.ts";

/**
 * createPostgresDatabase's default, which the Node door uses: with it up to ten transactions
 * really run at once in PostgreSQL (the test default of 5 would serialise more), and the rest
 * queue inside postgres.js, as in production.
 */
export const PRODUCTION_POOL_SIZE = 10;

/** Rate limits out of the way, so every request reaches the code whose races are under test. */
const GENEROUS_RATE_LIMITS = { RATE_LIMIT_WRITE: "100000/60", RATE_LIMIT_READ: "100000/60" };

export interface LoadedApp {
  ctx: TestContext;
  server: HttpServer;
}

/**
 * A test context with the production pool size behind a real HTTP server, for the whole file
 * (on the workerd door, the server stands where Cloudflare's edge would, in front of the Worker).
 * The returned object is filled in by beforeAll.
 */
export function useLoadedApp(env: Record<string, string> = GENEROUS_RATE_LIMITS): LoadedApp {
  const loaded = {} as LoadedApp;
  beforeAll(async () => {
    loaded.ctx = await createDoorContext({
      // A burst on two busy cores can keep Redis waiting past the 300 ms limiter deadline; a 503
      // from the limiter would hide the race under test, so the deadline is generous here.
      env: { TRUST_PROXY: "true", RATE_LIMIT_TIMEOUT_MS: "5000", ...env },
      maxConnections: PRODUCTION_POOL_SIZE,
    });
    loaded.server = await startHttpServer(loaded.ctx.app);
  });
  afterAll(async () => {
    await loaded.server?.close();
    await loaded.ctx?.close();
  });
  return loaded;
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: a JSON body the test inspects field by field
  body: any;
}

/** The response read once, so replies can be compared after the burst. */
export async function readReply(response: Response): Promise<Reply> {
  const text = await response.text();
  const json = response.headers.get("Content-Type")?.includes("json");
  return { status: response.status, headers: response.headers, text, body: json ? JSON.parse(text) : null };
}

/**
 * Sends every request at once over the real server (one socket each: undici's default agent does
 * not cap connections per origin) and lets them into the app together once all have arrived
 * (startTogether), so they race for real: with 25 or 50 of them against a pool of 10, a full
 * pool of transactions contends in PostgreSQL while the rest queue for a connection.
 */
export async function burst(server: HttpServer, requests: (() => Promise<Response>)[]): Promise<Reply[]> {
  server.resetPeak();
  server.startTogether(requests.length);
  const replies = await Promise.all(requests.map(async (send) => readReply(await send())));
  // Every request was inside the server at the same moment (the gate did not give up waiting).
  expect(server.peakInFlight()).toBeGreaterThanOrEqual(requests.length);
  return replies;
}

export function sendJson(
  server: HttpServer,
  method: string,
  path: string,
  session: Session | null,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return server.request(path, {
    method,
    headers: { "Content-Type": "application/json", ...session?.headers, ...headers },
    body: JSON.stringify(body),
  });
}

/** A problem+json reply with this status and code. */
export function expectProblem(reply: Reply, status: number, code: string): void {
  expect(reply.headers.get("Content-Type"), reply.text).toMatch(/^application\/problem\+json/);
  expect(reply.body, reply.text).toMatchObject({ status, code });
  expect(reply.status).toBe(status);
}

export function countBy<T>(items: T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}
