/**
 * What the request-metrics middleware costs per request, in-process (no network, no dependencies):
 *
 *   npx tsx bench/request-metrics-overhead.ts
 *
 * 1. `httpRequest()` on the Prometheus registry alone, over 40 routes × 4 statuses.
 * 2. A Hono app shaped like the real one (deps middleware, 6 pass-through middleware, a
 *    parameterised route returning JSON) without the metrics middleware, with it over the
 *    no-op metrics, and with it over the Prometheus registry. Rounds alternate between the three
 *    so that drift spreads evenly; CPU time per request, median round.
 */
import { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../src/app-env.ts";
import type { Deps } from "../src/deps.ts";
import { type Metrics, noMetrics } from "../src/lib/metrics/metrics.ts";
import { createPrometheusMetrics } from "../src/lib/metrics/prometheus-metrics.ts";
import { requestMetrics } from "../src/middleware/request-metrics.ts";

const ROUNDS = 15;
const REQUESTS_PER_ROUND = 40_000;
const REGISTRY_CALLS = 2_000_000;

function registryCost(): number {
  const metrics = createPrometheusMetrics();
  const routes = Array.from({ length: 40 }, (_, index) => `/v1/resource${index}/:id`);
  const statuses = [200, 201, 404, 429];
  const started = performance.now();
  for (let call = 0; call < REGISTRY_CALLS; call++) {
    metrics.httpRequest(
      "GET",
      routes[call % 40] as string,
      statuses[call % 4] as number,
      (call % 1000) / 10_000,
    );
  }
  return ((performance.now() - started) * 1e6) / REGISTRY_CALLS;
}

function appWith(metrics: Metrics | undefined) {
  const deps = { metrics: metrics ?? noMetrics } as Deps;
  const app = new Hono<AppEnv>();
  app.use(
    createMiddleware<AppEnv>(async function provideDeps(c, next) {
      c.set("deps", deps);
      await next();
    }),
  );
  if (metrics) app.use(requestMetrics());
  for (let n = 0; n < 6; n++) app.use(async (_c, next) => next());
  app.get("/v1/tickets/:id", (c) => c.json({ id: c.req.param("id"), title: "A ticket" }));
  return app;
}

/** CPU time (user + system) per request: other processes on the machine shift wall time, not this. */
async function roundNs(app: Hono<AppEnv>): Promise<number> {
  const started = process.cpuUsage();
  for (let request = 0; request < REQUESTS_PER_ROUND; request++) {
    const response = await app.request(`/v1/tickets/${request}`);
    await response.arrayBuffer();
  }
  const used = process.cpuUsage(started);
  return ((used.user + used.system) * 1000) / REQUESTS_PER_ROUND;
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

async function main() {
  const variants = {
    "without the middleware": appWith(undefined),
    "with it, no-op metrics": appWith(noMetrics),
    "with it, Prometheus registry": appWith(createPrometheusMetrics()),
  };
  for (const app of Object.values(variants)) await roundNs(app); // warm-up
  const rounds: Record<string, number[]> = Object.fromEntries(
    Object.keys(variants).map((name) => [name, []]),
  );
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, app] of Object.entries(variants)) rounds[name]?.push(await roundNs(app));
  }
  registryCost(); // warm-up
  const registry = median([registryCost(), registryCost(), registryCost()]);

  const baseline = median(rounds["without the middleware"] ?? []);
  console.log(`registry httpRequest(): ${registry.toFixed(0)} ns per call`);
  for (const [name, values] of Object.entries(rounds)) {
    const ns = median(values);
    console.log(
      `${name.padEnd(30)} ${(ns / 1000).toFixed(2)} µs/request  (+${(ns - baseline).toFixed(0)} ns)`,
    );
  }
}

await main();
