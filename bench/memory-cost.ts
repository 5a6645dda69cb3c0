import { alternate, type Endpoint, round3, type Summary } from "./alternating.ts";
import type { Settings } from "./measure.ts";
import { type MemoryComposition, measureMemoryComposition } from "./memory-composition.ts";

/** Peak RSS and throughput with `npm start`'s Node flags against Node's defaults, per endpoint. */
export interface MemoryCost {
  endpoint: string;
  flags: string[];
  shipped: Summary;
  nodeDefaults: Summary;
  /** Share of throughput the flags cost (negative: within noise, the flagged process was faster). */
  throughputCost: number;
  /** With the flags, what the resident set held at its peak (a run of its own, the probe loaded). */
  composition?: MemoryComposition;
}

/**
 * Issue 15, item 4: peak RSS under load, and what bounding it costs. The flags `npm start` passes
 * (a smaller young generation: V8 sizes it from the machine's memory, up to 3 × 64 MB here) against
 * none, taking turns.
 */
export async function measureMemoryCost(options: {
  env: Record<string, string>;
  port: number;
  bundle: string;
  nodeArgs: string[];
  endpoints: Endpoint[];
  settings: Settings;
}): Promise<MemoryCost[]> {
  const costs: MemoryCost[] = [];
  for (const endpoint of options.endpoints) {
    const { a, b } = await alternate({
      ...options,
      a: { bundle: options.bundle, nodeArgs: options.nodeArgs },
      b: { bundle: options.bundle, nodeArgs: [] },
      endpoint,
    });
    const composition = await measureMemoryComposition({ ...options, endpoint });
    costs.push({
      endpoint: endpoint.name,
      flags: options.nodeArgs,
      shipped: a,
      nodeDefaults: b,
      throughputCost: round3(1 - a.requestsPerSecond / b.requestsPerSecond),
      composition,
    });
    console.log(
      `  ${endpoint.name}: peak RSS ${a.peakRssMb} MB vs ${b.peakRssMb} MB with Node's defaults, ${a.requestsPerSecond} vs ${b.requestsPerSecond} req/s; at the peak ${JSON.stringify(composition)}`,
    );
  }
  return costs;
}
