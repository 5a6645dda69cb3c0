import fc from "fast-check";
import { PROTECTED_ROUTES } from "../route-table.ts";
import { conformingRequest, invalidPlaceNames } from "./conforming.ts";
import { describeRequest } from "./describe.ts";
import { DocumentValidator } from "./document-validator.ts";
import { brokenRuleInWords, type Observed, type Platform, violationOf } from "./oracle.ts";
import { type FuzzRequest, requestArbitrary } from "./requests.ts";
import { noRoundTrips, type RoundTripCounts, roundTripViolation } from "./round-trip.ts";
import { documentWords, loadRouteSpecs, type RouteSpec } from "./route-specs.ts";
import type { ActorName, FuzzWorld } from "./world.ts";

/**
 * Where the fuzzer sends its requests: the app in this process, or another runtime (workerd).
 * `request` is fetch-like; `buildWorld` signs users in and creates the rows the run plays with;
 * `renewScratch` signs a scratch actor in again after a request may have ended its session.
 */
export interface FuzzTarget {
  request(path: string, init?: RequestInit): Promise<Response>;
  buildWorld(): Promise<FuzzWorld>;
  renewScratch(world: FuzzWorld, role: Exclude<ActorName, "anonymous">): Promise<void>;
  maxBodyBytes: number;
  /** The app's OpenAPI registry definitions, when it runs in this process (adds zod response checks). */
  registryDefinitions?: unknown[];
  /** Set when a real server's runtime sees each request before the app does (oracle.ts). */
  platform?: Platform;
}

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
  /** Requests valid in every part, sent by an allowed role, and how many of them got a 2xx. */
  valid: { sent: number; succeeded: number };
  /** Requests invalid in exactly one part, by where that part was (all refused, or the run failed). */
  invalidAt: Map<string, number>;
  /** How many distinct places (`body.dueAt`) the document lets a request break: each is swept once. */
  invalidPlaces: number;
  /** Round trips checked (date-times read back, created resources re-read, cursors followed). */
  roundTrips: number;
  /** What those round trips reached: dates read back, due-date cursors followed. */
  reached: RoundTripCounts;
}

/** Reads the OpenAPI document, seeds the world and fuzzes every route; throws on the first violation. */
export async function fuzzApi(target: FuzzTarget, options: FuzzOptions): Promise<FuzzSummary> {
  const { document, routes } = await loadRouteSpecs(
    (path, init) => target.request(path, init),
    target.registryDefinitions,
  );
  const validator = new DocumentValidator(document as never);
  for (const route of routes)
    route.allowed = PROTECTED_ROUTES.find(
      (entry) => entry.method === route.method && entry.path === route.path,
    )?.allowed;
  const world = await target.buildWorld();
  const pools = {
    ids: [...world.mutableIds, ...world.foreignIds, world.victimSessionId],
    textIds: world.mutableIds,
    readOnlyIds: world.actorIds,
    words: documentWords(document),
    refreshTokens: world.refreshTokens,
    idsByName: world.idsByName,
  };
  const perRoute = routes.map((route) => ({
    arbitrary: requestArbitrary(route, document.components.schemas, pools, validator),
    weight: HASHING.has(keyOf(route)) ? 1 : 4,
  }));
  const anyRequest = fc.oneof(...perRoute);
  const summary: FuzzSummary = {
    requests: 0,
    byStatus: {},
    byRoute: new Map(),
    timeByRoute: new Map(),
    routes: routes.length,
    valid: { sent: 0, succeeded: 0 },
    invalidAt: new Map(),
    invalidPlaces: 0,
    roundTrips: 0,
    reached: noRoundTrips(),
  };
  const oracle = {
    maxBodyBytes: target.maxBodyBytes,
    foreignIds: world.foreignIds,
    secrets: [world.victimSessionId],
    validator,
    platform: target.platform,
  };

  const sendBatch = async (batch: FuzzRequest[]) => {
    const outcomes = await Promise.all(
      batch.map(async (request) => {
        const started = performance.now();
        const observed = await send(target, world, request, summary.reached);
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
      if (request.actor !== "anonymous" && SESSION_ENDING.has(keyOf(request.route))) renew.add(request.actor);
      if (request.mode === "valid" && !brokenRuleInWords(request)) {
        summary.valid.sent++;
        if (observed.status < 300) summary.valid.succeeded++;
      }
      if (request.mode === "invalid" && request.invalidAt)
        summary.invalidAt.set(request.invalidAt, (summary.invalidAt.get(request.invalidAt) ?? 0) + 1);
      const violation = violationOf(request, observed, oracle) ?? observed.roundTrip;
      if (observed.roundTrip !== undefined || observed.checkedRoundTrip) summary.roundTrips++;
      if (violation) {
        throw new Error(
          `${violation}\n${describeRequest(request)}\n→ ${observed.status} ${observed.contentType}\n${observed.text.slice(0, 1000)}`,
        );
      }
    }
    for (const role of renew) await target.renewScratch(world, role);
  };
  // First one request per route, then one request broken at each distinct place, so that a short
  // run (workerd's) still reaches every route and every kind of refused value.
  const placeSweep = sweepEveryPlace(routes, document.components.schemas, pools, validator, options.seed);
  summary.invalidPlaces = placeSweep.length;
  const sweep = [
    ...perRoute.map(
      ({ arbitrary }, index) =>
        fc.sample(arbitrary, { seed: options.seed + index, numRuns: 1 })[0] as FuzzRequest,
    ),
    ...placeSweep,
  ];
  for (let start = 0; start < sweep.length; start += options.concurrency) {
    await sendBatch(sweep.slice(start, start + options.concurrency)).catch((error: unknown) => {
      throw new Error(
        `fuzz failed in the sweep (reproduce with FUZZ_SEED=${options.seed})\n${error instanceof Error ? error.message : String(error)}`,
      );
    });
  }
  const property = fc.asyncProperty(
    fc.array(anyRequest, { minLength: options.concurrency, maxLength: options.concurrency }),
    sendBatch,
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

/** One request per distinct invalid place, on a route the seed picks among those that have it. */
function sweepEveryPlace(
  routes: RouteSpec[],
  components: Parameters<typeof requestArbitrary>[1],
  pools: Parameters<typeof requestArbitrary>[2],
  validator: DocumentValidator,
  seed: number,
): FuzzRequest[] {
  const routesByPlace = new Map<string, RouteSpec[]>();
  for (const route of routes)
    for (const place of new Set(invalidPlaceNames(route, components, validator)))
      routesByPlace.set(place, [...(routesByPlace.get(place) ?? []), route]);
  return [...routesByPlace].map(([place, candidates], index) => {
    const route = candidates[(seed + index) % candidates.length] as RouteSpec;
    const arbitrary = conformingRequest(route, components, pools, validator, place);
    return fc.sample(arbitrary, { seed: seed + index, numRuns: 1 })[0] as FuzzRequest;
  });
}

async function send(
  target: FuzzTarget,
  world: FuzzWorld,
  request: FuzzRequest,
  reached: RoundTripCounts,
): Promise<Observed & { roundTrip?: string; checkedRoundTrip?: boolean }> {
  const headers = new Headers(request.headers);
  const auth: Record<string, string> = {};
  if (request.actor !== "anonymous") {
    const pool = SESSION_ENDING.has(keyOf(request.route)) ? world.scratch : world.actors;
    auth.authorization = `Bearer ${pool[request.actor].session.accessToken}`;
    headers.set("authorization", auth.authorization);
  }
  const response = await target.request(`${request.path}${request.query}`, {
    method: request.route.method,
    headers,
    ...(request.body === undefined ? {} : { body: request.body }),
  });
  const contentType = response.headers.get("content-type") ?? "";
  if (contentType.startsWith("text/event-stream")) {
    await response.body?.cancel();
    return { status: response.status, contentType, text: "" };
  }
  const text = await response.text();
  const observed = { status: response.status, contentType, text };
  if (request.mode === "chaos" || response.status >= 300 || !contentType.startsWith("application/json"))
    return observed;
  const roundTrip = await roundTripViolation(
    (path, init) => target.request(path, init),
    request,
    { status: response.status, headers: response.headers, json: JSON.parse(text) },
    auth,
    reached,
  );
  return { ...observed, roundTrip, checkedRoundTrip: true };
}
