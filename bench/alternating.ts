import { type Measurement, measure, type Settings } from "./measure.ts";
import { startNode, waitForHttp } from "./processes.ts";

/** How to start one build of the API for a comparison. */
export interface ApiVariant {
  bundle: string;
  nodeArgs: string[];
}

export interface Endpoint {
  name: string;
  load: Parameters<typeof measure>[1];
}

export type Summary = Pick<
  Measurement,
  "requestsPerSecond" | "cpuMsPerRequest" | "latencyMs" | "non2xx" | "peakRssMb"
>;

/**
 * Two ways of running the API take turns on the same port, database and load (a, b, a, b, …), each
 * in a fresh process with its own warm-up, so drift in the machine hits both; medians compare.
 * Nothing else may run against the database meanwhile: the caller stops the main API first.
 */
export async function alternate(options: {
  env: Record<string, string>;
  port: number;
  a: ApiVariant;
  b: ApiVariant;
  endpoint: Endpoint;
  settings: Settings;
}): Promise<{ a: Summary; b: Summary }> {
  const url = `http://127.0.0.1:${options.port}`;
  const run = async (variant: ApiVariant) => {
    const api = startNode(
      `api (${variant.bundle})`,
      variant.bundle,
      { ...options.env, PORT: String(options.port) },
      variant.nodeArgs,
    );
    try {
      await waitForHttp(`${url}/health`);
      return await measure({ url, pid: api.pid }, options.endpoint.load, { ...options.settings, runs: 1 });
    } finally {
      await api.stop();
    }
  };
  const a: Measurement[] = [];
  const b: Measurement[] = [];
  for (let turn = 0; turn < options.settings.runs; turn++) {
    a.push(await run(options.a));
    b.push(await run(options.b));
  }
  return { a: medianOf(a), b: medianOf(b) };
}

function medianOf(runs: Measurement[]): Summary {
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
    peakRssMb: Math.max(...runs.map((run) => run.peakRssMb)),
  };
}

export const round3 = (value: number) => Math.round(value * 1000) / 1000;
