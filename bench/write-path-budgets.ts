import { bundleForNode } from "../scripts/node-bundle.ts";
import { WRITE_PATH_FEATURES } from "./ablations/features.ts";
import { alternate, type Endpoint, round3, type Summary } from "./alternating.ts";
import type { Settings } from "./measure.ts";

/** One write endpoint with and without one feature, and what the feature costs it. */
export interface WriteBudget {
  endpoint: string;
  feature: string;
  without: string;
  shipped: Summary;
  withoutFeature: Summary;
  /** Share of write throughput the feature costs (negative: within noise, the build with it was faster). */
  throughputCost: number;
  /** Extra CPU per write in the API process, as a share of the build without the feature. */
  cpuCost: number;
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
 * Issue 15, item 6: what each feature added to the write path since costs it, the shipped API
 * against a build without that feature (bench/ablations/), taking turns.
 */
export async function measureWriteBudgets(options: {
  env: Record<string, string>;
  port: number;
  shippedBundle: string;
  nodeArgs: string[];
  endpoints: Endpoint[];
  settings: Settings;
}): Promise<WriteBudget[]> {
  const budgets: WriteBudget[] = [];
  for (const feature of WRITE_PATH_FEATURES)
    for (const endpoint of options.endpoints) {
      const { a, b } = await alternate({
        ...options,
        a: { bundle: options.shippedBundle, nodeArgs: options.nodeArgs },
        b: { bundle: variantBundle(feature.name), nodeArgs: options.nodeArgs },
        endpoint,
      });
      const budget: WriteBudget = {
        endpoint: endpoint.name,
        feature: feature.name,
        without: feature.without,
        shipped: a,
        withoutFeature: b,
        throughputCost: round3(1 - a.requestsPerSecond / b.requestsPerSecond),
        cpuCost: round3(a.cpuMsPerRequest / b.cpuMsPerRequest - 1),
      };
      budgets.push(budget);
      console.log(
        `  ${endpoint.name} ${feature.name}: ${a.requestsPerSecond} vs ${b.requestsPerSecond} req/s without (cost ${(100 * budget.throughputCost).toFixed(1)} %), CPU ${a.cpuMsPerRequest} vs ${b.cpuMsPerRequest} ms`,
      );
    }
  return budgets;
}
