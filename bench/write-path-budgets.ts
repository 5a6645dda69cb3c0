import { bundleForNode } from "../scripts/node-bundle.ts";
import { WRITE_PATH_FEATURES } from "./ablations/features.ts";
import { type Measurement, measure, type Settings } from "./measure.ts";
import { startNode, waitForHttp } from "./processes.ts";

/** Each variant's req/s and CPU for one write endpoint, and its cost: 1 − shipped ÷ without. */
export interface WriteBudget {
  endpoint: string;
  feature: string;
  without: string;
  shipped: Pick<Measurement, "requestsPerSecond" | "cpuMsPerRequest" | "latencyMs" | "non2xx">;
  withoutFeature: Pick<Measurement, "requestsPerSecond" | "cpuMsPerRequest" | "latencyMs" | "non2xx">;
  /** Share of write throughput the feature costs (negative: within noise, the build with it was faster). */
  throughputCost: number;
  /** Extra CPU per write in the API process, as a share of the build without the feature. */
  cpuCost: number;
}

export interface WriteEndpoint {
  name: string;
  load: Parameters<typeof measure>[1];
}

const variantBundle = (name: string) => `dist/bench/node-without-${name.replace(/\W+/g, "-")}.mjs`;

/** The bench-only builds, one per feature, made once per bench run. */
export async function buildWritePathVariants(): Promise<void> {
  await Promise.all(
    WRITE_PATH_FEATURES.map((feature) =>
      bundleForNode("src/node.ts", variantBundle(feature.name), { replace: feature.stubs }),
    ),
  );
}

/**
 * Issue 15, item 6: what each feature added to the write path since costs it. The shipped API and
 * a build without one feature take turns on the same port, the same database and the same load
 * (shipped, without, shipped, without), so drift in the machine hits both; the medians compare.
 * Nothing else may run against the database meanwhile: the caller stops the main API first.
 */
export async function measureWriteBudgets(options: {
  env: Record<string, string>;
  port: number;
  shippedBundle: string;
  endpoints: WriteEndpoint[];
  settings: Settings;
}): Promise<WriteBudget[]> {
  const url = `http://127.0.0.1:${options.port}`;
  const run = async (bundle: string, endpoint: WriteEndpoint) => {
    const api = startNode(`api (${bundle})`, bundle, { ...options.env, PORT: String(options.port) });
    try {
      await waitForHttp(`${url}/health`);
      return await measure({ url, pid: api.pid }, endpoint.load, { ...options.settings, runs: 1 });
    } finally {
      await api.stop();
    }
  };
  const budgets: WriteBudget[] = [];
  for (const feature of WRITE_PATH_FEATURES) {
    for (const endpoint of options.endpoints) {
      const shipped: Measurement[] = [];
      const without: Measurement[] = [];
      for (let turn = 0; turn < options.settings.runs; turn++) {
        shipped.push(await run(options.shippedBundle, endpoint));
        without.push(await run(variantBundle(feature.name), endpoint));
      }
      const a = medianOf(shipped);
      const b = medianOf(without);
      budgets.push({
        endpoint: endpoint.name,
        feature: feature.name,
        without: feature.without,
        shipped: a,
        withoutFeature: b,
        throughputCost: round(1 - a.requestsPerSecond / b.requestsPerSecond),
        cpuCost: round(a.cpuMsPerRequest / b.cpuMsPerRequest - 1),
      });
      console.log(
        `  ${endpoint.name} ${feature.name}: ${a.requestsPerSecond} vs ${b.requestsPerSecond} req/s without (cost ${(100 * (budgets.at(-1)?.throughputCost ?? 0)).toFixed(1)} %), CPU ${a.cpuMsPerRequest} vs ${b.cpuMsPerRequest} ms`,
      );
    }
  }
  return budgets;
}

function medianOf(runs: Measurement[]) {
  const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)] ?? 0;
  return {
    requestsPerSecond: median(runs.map((run) => run.requestsPerSecond)),
    cpuMsPerRequest: median(runs.map((run) => run.cpuMsPerRequest)),
    latencyMs: {
      p50: median(runs.map((run) => run.latencyMs.p50)),
      p95: median(runs.map((run) => run.latencyMs.p95)),
      p99: median(runs.map((run) => run.latencyMs.p99)),
    },
    non2xx: runs.reduce((sum, run) => sum + run.non2xx, 0),
  };
}

const round = (value: number) => Math.round(value * 1000) / 1000;
