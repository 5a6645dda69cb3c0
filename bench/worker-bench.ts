import type postgres from "postgres";
import type { LoadSpec } from "./load.ts";
import { type Measurement, measure, type Settings } from "./measure.ts";
import { postgresCounters } from "./postgres-counters.ts";
import { appLogCounter } from "./worker-log.ts";
import { startWorker, WORKER_VARIANTS, type WorkerTarget, type WorkerVariant } from "./worker-target.ts";

/** The endpoints measured on the Worker too (issue 15, item 5), beside the Node API in the same run. */
export const WORKER_ENDPOINTS = new Set([
  "GET /v1/tickets/:id",
  "GET /v1/tickets?status=open&limit=50",
  "POST /v1/auth/login",
  "PATCH /v1/tickets/:id (If-Match)",
]);

/** A Worker's figures, and its app's warning and error lines by message over the warm-up and the runs. */
export type WorkerMeasurement = Measurement & { appLog: Record<string, number> };
export type WorkerMeasurements = Partial<Record<WorkerVariant, WorkerMeasurement>>;

const PORTS: Record<WorkerVariant, { http: number; inspector: number }> = {
  direct: { http: 18810, inspector: 19810 },
  hyperdrive: { http: 18811, inspector: 19811 },
};

/**
 * Both variants under `wrangler dev`, one after the other (starting two at once on a small machine
 * only slows both), with the Node API's own settings: database, gateway, JWT secret, rate limits.
 */
export async function startWorkers(serverEnv: Record<string, string>): Promise<WorkerTarget[]> {
  // The Worker has no listening port of its own to set, and no /metrics (Analytics Engine instead).
  const { PORT: _port, METRICS_TOKEN: _metrics, ...vars } = serverEnv;
  const targets: WorkerTarget[] = [];
  try {
    for (const variant of WORKER_VARIANTS) {
      const ports = PORTS[variant];
      targets.push(await startWorker(variant, ports.http, ports.inspector, vars));
    }
  } catch (error) {
    for (const target of targets) await target.stop();
    throw error;
  }
  return targets;
}

/**
 * One endpoint on each Worker, with the Node API's load and settings. CPU is the workerd running
 * the Worker, and (as "helper") the workerd of wrangler's proxy in front of it, which a deployed
 * Worker does not have; PostgreSQL's counters give its connections and transactions per request.
 */
export async function measureWorkers(
  targets: readonly WorkerTarget[],
  sql: postgres.Sql,
  database: string,
  load: () => Promise<Omit<LoadSpec, "url" | "connections" | "durationSeconds">>,
  settings: Settings,
): Promise<WorkerMeasurements> {
  const measured: WorkerMeasurements = {};
  for (const target of targets) {
    const appLogSince = appLogCounter(target.logFile);
    const measurement = await measure(
      {
        url: target.url,
        pid: target.workerd.worker,
        helperPid: target.workerd.proxy,
        counters: postgresCounters(sql, database),
      },
      load,
      settings,
    );
    measured[target.variant] = { ...measurement, appLog: appLogSince() };
  }
  return measured;
}

/** One row per endpoint and size: Node beside each Worker variant, and what PostgreSQL saw. */
export function workerTable(
  bySize: Record<string, { endpoint: string; api: Measurement; worker?: WorkerMeasurements }[]>,
): string {
  const lines = [
    "| Tickets | Endpoint | Target | req/s | ÷ node | p50 / p99 ms | CPU ms/req | PG connections/req | PG transactions/req | non-2xx |",
    "|---:|---|---|---:|---:|---|---|---:|---:|---:|",
  ];
  for (const [size, results] of Object.entries(bySize))
    for (const result of results) {
      if (!result.worker) continue;
      const node = result.api;
      const rows: [string, Measurement | undefined, string][] = [
        ["Node", node, `${node.cpuMsPerRequest} + ${node.helperCpuMsPerRequest ?? "–"} (gateway)`],
        ...WORKER_VARIANTS.map((variant): [string, Measurement | undefined, string] => {
          const m = result.worker?.[variant];
          return [`Worker, ${variant}`, m, `${m?.cpuMsPerRequest} + ${m?.helperCpuMsPerRequest} (proxy)`];
        }),
      ];
      for (const [target, m, cpu] of rows) {
        if (!m) continue;
        lines.push(
          `| ${Number(size).toLocaleString("en")} | \`${result.endpoint}\` | ${target} | ${m.requestsPerSecond} | ${(m.requestsPerSecond / node.requestsPerSecond).toFixed(2)} | ${m.latencyMs.p50} / ${m.latencyMs.p99} | ${cpu} | ${m.perRequest?.pgSessions ?? "–"} | ${m.perRequest?.pgTransactions ?? "–"} | ${m.non2xx + m.errors} |`,
        );
      }
    }
  return lines.length > 2 ? lines.join("\n") : "";
}
