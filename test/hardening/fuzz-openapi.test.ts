import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KNOWN_CONTENT_TYPES } from "../../src/features/attachments/schemas.ts";
import { createDoorContext, currentDoor } from "../support/door.ts";
import { doorTarget } from "../support/fuzz/door-target.ts";
import { type FuzzSummary, fuzzApi } from "../support/fuzz/runner.ts";
import type { TestContext } from "../support/test-context.ts";

const GENEROUS = "1000000/60";
/** The seed CI always runs (a regression stays caught), and one that changes with every run. */
const PINNED_SEED = 20_261_205;
const rotatingSeed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Date.now() % 2 ** 31;
/**
 * Fewer through workerd: each request crosses a socket into another process on CI's 2 cores, and
 * this door's task is to catch what differs between the runtimes, not to search as deep again.
 */
const requests = Number(process.env.FUZZ_REQUESTS ?? (currentDoor() === "workerd" ? 600 : 3_000));
const concurrency = Number(process.env.FUZZ_CONCURRENCY ?? 16);
/**
 * Valid requests (every part as the document allows, from a role the route allows) must mostly
 * succeed: what remains are ids of rows the caller may not see (404), stale If-Match (412),
 * workflow conflicts (409). Below this share the generator no longer reaches the handlers.
 */
const MIN_VALID_SUCCESS = 0.5;
/**
 * A rotating seed's share varies: over five seeds on Node 51–54 % of ~1,150 valid requests (one
 * standard deviation is ~1.5 points), so 0.5 would fail about one run in twenty by chance. The
 * pinned seed, the same every run, is held to MIN_VALID_SUCCESS; a rotating one to 0.45, more
 * than four deviations below what it draws, which still fails when the generator stops reaching
 * the handlers.
 */
const MIN_VALID_SUCCESS_ROTATING = 0.45;

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createDoorContext({
    env: {
      TRUST_PROXY: "true",
      LOG_LEVEL: "error",
      // A small body limit so that generated huge strings also exercise the 413 path.
      MAX_BODY_BYTES: "65536",
      RATE_LIMIT_READ: GENEROUS,
      RATE_LIMIT_WRITE: GENEROUS,
      RATE_LIMIT_ANONYMOUS: GENEROUS,
      RATE_LIMIT_LOGIN: GENEROUS,
      RATE_LIMIT_REGISTER: GENEROUS,
      RATE_LIMIT_REFRESH: GENEROUS,
      // Bad input is under test here, not slow dependencies: on a loaded CI machine a 300 ms
      // Redis budget would turn fail-closed auth routes into (correct, but off-topic) 503s.
      RATE_LIMIT_TIMEOUT_MS: "5000",
      // Every size and type the document allows is then also allowed by the config (only the
      // config knows its own limits), so valid reservations reach the handler's success path.
      ATTACHMENT_MAX_BYTES: String(5 * 1024 ** 3),
      ATTACHMENT_MAX_TICKET_BYTES: String(2 ** 52),
      ATTACHMENT_MAX_PER_TICKET: "10000",
      ATTACHMENT_ALLOWED_TYPES: KNOWN_CONTENT_TYPES.join(","),
    },
  });
});
afterAll(() => ctx.close());

async function run(seed: number): Promise<FuzzSummary> {
  console.info(`fuzz (${currentDoor()}): FUZZ_SEED=${seed} requests=${requests} concurrency=${concurrency}`);
  const started = performance.now();
  const summary = await fuzzApi(doorTarget(ctx), { seed, requests, concurrency });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const share = summary.valid.succeeded / Math.max(1, summary.valid.sent);
  console.info(
    `fuzz (${currentDoor()}): seed ${seed}: ${summary.requests} requests in ${seconds} s; statuses ${JSON.stringify(summary.byStatus)}; ` +
      `valid ${summary.valid.succeeded}/${summary.valid.sent} succeeded (${(share * 100).toFixed(0)} %); ` +
      `${[...summary.invalidAt.values()].reduce((a, b) => a + b, 0)} single-invalid requests refused at ${summary.invalidAt.size} of ${summary.invalidPlaces} places; ` +
      `${summary.roundTrips} round trips (${summary.reached.datesReadBack} date-times read back, ${summary.reached.earlyDatesReadBack} of them in years 0001–0099; ` +
      `${summary.reached.dueDatePagesFollowed} due-date pages followed)`,
  );
  if (process.env.FUZZ_PROFILE) {
    const slowest = [...summary.timeByRoute].sort((a, b) => b[1] - a[1]).slice(0, 12);
    console.info(
      slowest
        .map(([route, ms]) => `${route}: ${Math.round(ms)} ms / ${summary.byRoute.get(route)}`)
        .join("\n"),
    );
  }
  return summary;
}

function expectThorough(summary: FuzzSummary, minValidSuccess: number) {
  expect(summary.requests).toBeGreaterThanOrEqual(requests);
  // Every documented operation was exercised.
  expect(summary.byRoute.size).toBe(summary.routes);
  expect(summary.valid.succeeded / summary.valid.sent).toBeGreaterThanOrEqual(minValidSuccess);
  // Every place the document lets a request break was broken alone at least once (the sweep).
  expect(summary.invalidPlaces).toBeGreaterThan(20);
  expect(summary.invalidAt.size).toBe(summary.invalidPlaces);
  expect(summary.roundTrips).toBeGreaterThan(requests / 10);
}

/**
 * Dates reached the database and came back, and a cursor carrying one was followed: without this
 * the run passes whatever storage or cursor code does with a date, as the pinned seed once did
 * when a fuzzed DELETE of the world's category made every later ticket create a 400. Held on the
 * pinned seed's long run: it reads back a few dates (four on Node), a rotating seed now and then
 * none, and workerd's 600 requests about one.
 */
function expectDatesReached(summary: FuzzSummary) {
  expect(summary.reached.datesReadBack, "date-times read back").toBeGreaterThan(0);
  expect(summary.reached.dueDatePagesFollowed, "due-date pages followed").toBeGreaterThan(0);
}

describe("fuzzing every route of the OpenAPI document", () => {
  it(`keeps the contract for ${requests} requests of the pinned seed ${PINNED_SEED}`, {
    timeout: 240_000,
  }, async () => {
    const summary = await run(PINNED_SEED);
    expectThorough(summary, MIN_VALID_SUCCESS);
    if (requests >= 2_000) expectDatesReached(summary);
  });

  it(`keeps the contract for ${requests} requests of a rotating seed (this run: ${rotatingSeed})`, {
    timeout: 240_000,
  }, async () => {
    expectThorough(await run(rotatingSeed), MIN_VALID_SUCCESS_ROTATING);
  });
});
