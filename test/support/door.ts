import type { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { inject } from "vitest";
import { currentDoor } from "./doors/current.ts";
import { openWorkerdDoor } from "./doors/workerd.ts";
import {
  createTestContext,
  type TestContext,
  type TestContextOptions,
  testContextEnv,
} from "./test-context.ts";

export { currentDoor, type DoorName } from "./doors/current.ts";

/**
 * The same on every door. On this 2-core machine workerd answers a burst several times slower
 * than Node (25 concurrent refreshes: about 1 s each against 0.17 s), which would trip the rate
 * limiter's 300 ms Redis deadline and fail auth closed; that deadline is the subject of
 * test/hardening/faults and test/workers/dependency-outage.test.ts, not of the shared suite.
 */
const SHARED_ENV = { RATE_LIMIT_TIMEOUT_MS: "5000" };

/** What the Worker cannot be given: a test that needs one belongs to the node project only. */
const NODE_ONLY_OPTIONS = ["clock", "redisUrl", "databaseThrough", "onQuery"] as const;

/**
 * A test context whose `app.request` and `app.fetch` go through the current door, over the same
 * fresh database and Redis gateway as `ctx.deps`, so fixtures and checks stay direct. On workerd,
 * `ctx.logs` holds the Worker's log lines, and anything else on `ctx.app` (mounting probe routes,
 * `app.fetch` with another env) throws instead of quietly testing Node.
 */
export async function createDoorContext(options: TestContextOptions = {}): Promise<TestContext> {
  const shared = { ...options, env: { ...SHARED_ENV, ...options.env } };
  const ctx = await createTestContext(shared);
  if (currentDoor() === "node") return ctx;
  try {
    return await throughWorkerd(ctx, shared);
  } catch (error) {
    await ctx.close();
    throw error;
  }
}

async function throughWorkerd(ctx: TestContext, options: TestContextOptions): Promise<TestContext> {
  const refused = NODE_ONLY_OPTIONS.filter((key) => options[key] !== undefined);
  if (refused.length > 0) throw new Error(`the workerd door cannot honour ${refused.join(", ")}`);
  const database = await reachableDatabaseUrl(ctx);
  const env = { ...testContextEnv(options), DATABASE_URL: database.url };
  const workerd = await openWorkerdDoor({
    build: inject("workerdBuild"),
    bindings: env,
    onLog: (line) => ctx.logs.push(line),
    trustProxy: ctx.config.TRUST_PROXY,
    logsRequests: ctx.config.LOG_LEVEL === "debug" || ctx.config.LOG_LEVEL === "info",
  }).catch(async (error: unknown) => {
    await database.close();
    throw error;
  });
  const request = (input: string | URL | Request, init?: RequestInit) =>
    workerd.fetch(input instanceof Request ? input : new Request(new URL(input, "http://localhost"), init));
  const app = new Proxy(ctx.app, {
    get(target, key) {
      if (key === "request") return request;
      if (key === "fetch") return (input: Request) => workerd.fetch(input);
      // The document is the same code's: the fuzzer reads its zod schemas from here.
      if (key === "openAPIRegistry") return target.openAPIRegistry;
      throw new Error(`ctx.app.${String(key)} does not reach the Worker; keep this test on the node door`);
    },
  });
  return {
    ...ctx,
    app,
    async close() {
      await workerd.close();
      await database.close();
      await ctx.close();
    },
  };
}

/** The Worker reaches PostgreSQL over TCP: the fresh database's own URL, or PGlite behind a socket. */
async function reachableDatabaseUrl(ctx: TestContext): Promise<{ url: string; close(): Promise<void> }> {
  if (ctx.directDatabaseUrl) return { url: ctx.directDatabaseUrl, close: async () => {} };
  const pglite = (ctx.database.db as unknown as { $client: PGlite }).$client;
  // Workerd opens a socket per request and closes it lazily (test/workers/support/database.ts).
  const server = new PGLiteSocketServer({ db: pglite, host: "127.0.0.1", port: 0, maxConnections: 512 });
  await server.start();
  return { url: `postgres://postgres@${server.getServerConn()}/postgres`, close: () => server.stop() };
}
