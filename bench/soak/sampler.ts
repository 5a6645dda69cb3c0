import { gaugeOf, type MetricSample, parsePrometheusText } from "./prometheus.ts";
import type { RssSample } from "./rss-flatness.ts";

/** `GET /metrics` with the bearer token, parsed; anything but a 200 stops the soak (it reads its figures there). */
export async function scrapeMetrics(apiUrl: string, token: string): Promise<MetricSample[]> {
  const response = await fetch(`${apiUrl}/metrics`, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (response.status !== 200)
    throw new Error(`GET /metrics answered ${response.status}: ${text.slice(0, 200)}`);
  return parsePrometheusText(text);
}

export interface SamplerOptions {
  everyMs: number;
  scrape(): Promise<MetricSample[]>;
  /** The API's database connections now (pg_stat_activity). */
  connections(): Promise<number>;
}

export interface Sampler {
  rss: RssSample[];
  heapUsed: RssSample[];
  peakConnections: number;
  /** Samples that failed (a scrape timing out under load); reported, and the run carries on. */
  failures: number;
  stop(): Promise<void>;
}

/** Samples RSS, heap and database connections every `everyMs` from now until stopped. */
export function startSampler(options: SamplerOptions): Sampler {
  const startedAt = performance.now();
  const sampler: Sampler = { rss: [], heapUsed: [], peakConnections: 0, failures: 0, stop: async () => {} };
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const due = performance.now() + options.everyMs;
      try {
        const [samples, connections] = await Promise.all([options.scrape(), options.connections()]);
        const atMs = performance.now() - startedAt;
        sampler.rss.push({ atMs, bytes: gaugeOf(samples, "process_resident_memory_bytes") });
        sampler.heapUsed.push({ atMs, bytes: gaugeOf(samples, "nodejs_heap_used_bytes") });
        sampler.peakConnections = Math.max(sampler.peakConnections, connections);
      } catch (error) {
        sampler.failures++;
        console.error(`sample failed: ${String(error)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
    }
  })();
  sampler.stop = async () => {
    stopped = true;
    await loop;
  };
  return sampler;
}
