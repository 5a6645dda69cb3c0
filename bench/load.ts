import { readFileSync } from "node:fs";
import autocannon from "autocannon";

/**
 * The load generator, in its own process so it never competes with the server's event loop:
 * `node bench/load.ts <LoadSpec JSON file>` prints one JSON result line. Requests rotate over `paths`
 * (and `bodies`); with `ifMatch` each path carries the version its last response's ETag named, so
 * a conditional PATCH only fails (412) when something else changed the ticket. `{{unique}}` in a
 * body becomes a per-request number, so no PATCH is a no-op.
 */
export interface LoadSpec {
  url: string;
  connections: number;
  durationSeconds: number;
  method: "GET" | "POST" | "PATCH";
  paths: string[];
  bodies?: string[];
  headers: Record<string, string>;
  ifMatch?: Record<string, number>;
  idempotencyKeys?: boolean;
}

export interface LoadResult {
  requestsPerSecond: number;
  total: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  non2xx: number;
  errors: number;
  statusCodes: Record<string, number>;
}

async function run(spec: LoadSpec): Promise<LoadResult> {
  let next = 0;
  let sent = 0;
  const run = Date.now().toString(36);
  const versions = new Map(Object.entries(spec.ifMatch ?? {}));
  const latencies: number[] = [];
  const result = await autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: spec.durationSeconds,
    requests: [
      {
        method: spec.method,
        setupRequest(request, context) {
          const index = next++ % spec.paths.length;
          const path = spec.paths[index] ?? "/";
          const headers: Record<string, string> = { ...spec.headers };
          if (spec.bodies) headers["content-type"] = "application/json";
          if (spec.idempotencyKeys) headers["idempotency-key"] = crypto.randomUUID();
          const version = versions.get(path);
          if (version !== undefined) headers["if-match"] = `"${version}"`;
          context.path = path;
          context.sentAt = performance.now();
          return {
            ...request,
            path,
            headers,
            body: spec.bodies?.[index % spec.bodies.length]?.replaceAll("{{unique}}", `${run}-${sent++}`),
          };
        },
        onResponse(_status, _body, context, headers) {
          latencies.push(performance.now() - Number(context.sentAt));
          const etag = /"(\d+)"/.exec(headers.etag ?? "")?.[1];
          if (etag && spec.ifMatch) versions.set(String(context.path), Number(etag));
        },
      },
    ],
  });
  const statusCodes = Object.fromEntries(
    Object.entries(result.statusCodeStats ?? {}).map(([code, stats]) => [code, stats.count]),
  );
  return {
    requestsPerSecond: result.requests.total / result.duration,
    total: result.requests.total,
    latencyMs: percentiles(latencies, result.latency.max),
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    statusCodes,
  };
}

/** autocannon reports p97.5, not p95: percentiles come from every response's own latency. */
function percentiles(samples: number[], max: number): LoadResult["latencyMs"] {
  const sorted = samples.sort((a, b) => a - b);
  const at = (p: number) =>
    Number((sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0).toFixed(2));
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max };
}

const spec = JSON.parse(readFileSync(process.argv[2] ?? "", "utf8")) as LoadSpec;
console.log(JSON.stringify(await run(spec)));
