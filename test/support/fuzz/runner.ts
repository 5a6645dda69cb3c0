import fc from "fast-check";
import type { TestContext } from "../test-context.ts";
import { describeRequest } from "./describe.ts";
import { type Observed, violationOf } from "./oracle.ts";
import { type FuzzRequest, requestArbitrary } from "./requests.ts";
import { documentWords, loadRouteSpecs, type RouteSpec } from "./route-specs.ts";
import { buildFuzzWorld, type FuzzWorld, renewScratch } from "./world.ts";

/** Routes that end sessions run as scratch actors (see world.ts). */
const SESSION_ENDING = new Set([
  "POST /v1/auth/logout",
  "POST /v1/auth/logout-all",
  "POST /v1/auth/password",
  "DELETE /v1/auth/sessions/{id}",
]);
/** Routes that hash a password (argon2, ~50 ms of CPU) are drawn less often to keep the run short. */
const HASHING = new Set([
  "POST /v1/auth/register",
  "POST /v1/auth/login",
  "POST /v1/auth/password",
  "POST /v1/users",
]);

const keyOf = (route: RouteSpec) => `${route.method} ${route.path}`;

export interface FuzzOptions {
  seed: number;
  requests: number;
  concurrency: number;
}

export interface FuzzSummary {
  requests: number;
  byStatus: Record<number, number>;
  byRoute: Map<string, number>;
  /** Total milliseconds spent per route, to find what makes a run slow. */
  timeByRoute: Map<string, number>;
  routes: number;
}

/** Reads the OpenAPI document, seeds the world and fuzzes every route; throws on the first violation. */
export async function fuzzApi(ctx: TestContext, options: FuzzOptions): Promise<FuzzSummary> {
  const { document, routes } = await loadRouteSpecs(ctx);
  const world = await buildFuzzWorld(ctx);
  const pools = {
    ids: [...world.mutableIds, ...world.foreignIds, world.victimSessionId],
    textIds: world.mutableIds,
    readOnlyIds: world.actorIds,
    words: documentWords(document),
    refreshTokens: world.refreshTokens,
  };
  const perRoute = routes.map((route) => ({
    arbitrary: requestArbitrary(route, document.components.schemas, pools),
    weight: HASHING.has(keyOf(route)) ? 1 : 4,
  }));
  const anyRequest = fc.oneof(...perRoute);
  const summary: FuzzSummary = {
    requests: 0,
    byStatus: {},
    byRoute: new Map(),
    timeByRoute: new Map(),
    routes: routes.length,
  };
  const oracle = {
    maxBodyBytes: ctx.config.MAX_BODY_BYTES,
    foreignIds: world.foreignIds,
    secrets: [world.victimSessionId],
  };

  const property = fc.asyncProperty(
    fc.array(anyRequest, { minLength: options.concurrency, maxLength: options.concurrency }),
    async (batch) => {
      const outcomes = await Promise.all(
        batch.map(async (request) => {
          const started = performance.now();
          const observed = await send(ctx, world, request);
          const key = keyOf(request.route);
          summary.timeByRoute.set(key, (summary.timeByRoute.get(key) ?? 0) + performance.now() - started);
          return observed;
        }),
      );
      const renew = new Set<Exclude<FuzzRequest["actor"], "anonymous">>();
      for (const [index, observed] of outcomes.entries()) {
        const request = batch[index] as FuzzRequest;
        summary.requests++;
        summary.byStatus[observed.status] = (summary.byStatus[observed.status] ?? 0) + 1;
        summary.byRoute.set(keyOf(request.route), (summary.byRoute.get(keyOf(request.route)) ?? 0) + 1);
        if (request.actor !== "anonymous" && SESSION_ENDING.has(keyOf(request.route)))
          renew.add(request.actor);
        const violation = violationOf(request, observed, oracle);
        if (violation) {
          throw new Error(
            `${violation}\n${describeRequest(request)}\n→ ${observed.status} ${observed.contentType}\n${observed.text.slice(0, 1000)}`,
          );
        }
      }
      for (const role of renew) await renewScratch(ctx, world, role);
    },
  );
  await fc.assert(property, {
    seed: options.seed,
    numRuns: Math.ceil(options.requests / options.concurrency),
    endOnFailure: true,
    reporter: (details) => {
      if (details.failed) {
        throw new Error(
          `fuzz failed (reproduce with FUZZ_SEED=${options.seed}${options.concurrency === 1 ? "" : " FUZZ_CONCURRENCY=1 for a strictly sequential replay"})\n${String(details.errorInstance instanceof Error ? details.errorInstance.message : details.errorInstance)}`,
        );
      }
    },
  });
  return summary;
}

async function send(ctx: TestContext, world: FuzzWorld, request: FuzzRequest): Promise<Observed> {
  const headers = new Headers(request.headers);
  if (request.actor !== "anonymous") {
    const pool = SESSION_ENDING.has(keyOf(request.route)) ? world.scratch : world.actors;
    headers.set("authorization", `Bearer ${pool[request.actor].session.accessToken}`);
  }
  const response = await ctx.app.request(`${request.path}${request.query}`, {
    method: request.route.method,
    headers,
    ...(request.body === undefined ? {} : { body: request.body }),
  });
  const contentType = response.headers.get("content-type") ?? "";
  if (contentType.startsWith("text/event-stream")) {
    await response.body?.cancel();
    return { status: response.status, contentType, text: "" };
  }
  return { status: response.status, contentType, text: await response.text() };
}
