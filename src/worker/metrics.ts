import { ConfigError } from "../config/parse.ts";
import { createAnalyticsEngineMetrics, type DataPointWriter } from "../lib/metrics/analytics-engine.ts";
import { type Metrics, noMetrics } from "../lib/metrics/metrics.ts";
import type { WorkerEnv } from "./config.ts";

/**
 * The Worker's metrics: its Analytics Engine dataset when wrangler.toml binds one as `METRICS`
 * (optional per environment), otherwise none. Anything else under that name is a
 * misconfiguration, refused like an invalid variable.
 */
export function workerMetrics(env: WorkerEnv): Metrics {
  const binding = env.METRICS;
  if (binding === undefined) return noMetrics;
  if (!isDataset(binding)) throw new ConfigError(["METRICS: must be an Analytics Engine dataset binding"]);
  return createAnalyticsEngineMetrics(binding);
}

function isDataset(binding: unknown): binding is DataPointWriter {
  return (
    typeof binding === "object" &&
    binding !== null &&
    typeof (binding as { writeDataPoint?: unknown }).writeDataPoint === "function"
  );
}
