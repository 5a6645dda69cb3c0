import { execSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { type ConnectionCost, connectionCostTable } from "./connection-cost.ts";
import { cpuBreakdownTable } from "./cpu-breakdown.ts";
import type { EventLatency } from "./event-latency.ts";
import type { Settings } from "./measure.ts";
import type { MemoryComposition } from "./memory-composition.ts";
import type { MemoryCost } from "./memory-cost.ts";
import type { NotificationLatency } from "./notification-latency.ts";
import type { EndpointResult } from "./run.ts";
import { type WebhookBench, webhooksTable } from "./webhook-delivery.ts";
import { workerTable } from "./worker-bench.ts";
import type { WriteBudget } from "./write-path-budgets.ts";

interface Report {
  started: Date;
  quick: boolean;
  settings: Settings;
  command: string;
  /** Every size the run was asked for; `bySize` holds the ones finished so far. */
  sizes: number[];
  bySize: Record<string, EndpointResult[]>;
  eventsBySize: Record<string, EventLatency>;
  webhooksBySize: Record<string, WebhookBench>;
  notificationsBySize: Record<string, NotificationLatency>;
  budgetsBySize: Record<string, WriteBudget[]>;
  memoryBySize: Record<string, MemoryCost[]>;
  connectionCostBySize: Record<string, ConnectionCost[]>;
}

function versionOf(command: string): string {
  try {
    return execSync(command, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "unknown";
  }
}

export function machine() {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? "unknown",
    memoryGb: Number((totalmem() / 2 ** 30).toFixed(1)),
    node: process.version,
    postgres: versionOf(
      `psql "${process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres"}" -Atc "show server_version"`,
    ),
    redis: versionOf(
      `redis-cli -u "${process.env.REDIS_URL ?? "redis://127.0.0.1:6379"}" info server | grep redis_version`,
    ),
  };
}

const ratio = (api: number, ceiling?: number) => (ceiling ? (api / ceiling).toFixed(2) : "–");

/** One markdown row per endpoint and size: the API's figures and its ratio to both ceilings. */
export function markdownTable(bySize: Report["bySize"]): string {
  const lines = [
    "| Tickets | Endpoint | req/s | p50 / p95 / p99 ms | CPU ms/req (API + gateway) | Peak RSS MB | non-2xx | SQL/req | Redis RT/req (alone / under load) | HTTP ceiling req/s | ÷ HTTP | Raw ceiling req/s | ÷ raw | Raw p50 / p99 ms | Raw CPU ms/req | Plain stack req/s | ÷ plain |",
    "|---:|---|---:|---|---|---:|---:|---:|---|---:|---:|---:|---:|---|---:|---:|---:|",
  ];
  for (const [size, results] of Object.entries(bySize))
    for (const r of results) {
      const { api } = r;
      lines.push(
        `| ${Number(size).toLocaleString("en")} | \`${r.endpoint}\` | ${api.requestsPerSecond} | ${api.latencyMs.p50} / ${api.latencyMs.p95} / ${api.latencyMs.p99} | ${api.cpuMsPerRequest} + ${api.helperCpuMsPerRequest ?? "–"} | ${api.peakRssMb} | ${api.non2xx + api.errors} | ${r.sqlPerRequest} | ${r.redisRoundTripsPerRequest} / ${api.perRequest?.redisRoundTrips ?? "–"} | ${r.httpCeiling?.requestsPerSecond ?? "–"} | ${ratio(api.requestsPerSecond, r.httpCeiling?.requestsPerSecond)} | ${r.rawCeiling?.requestsPerSecond ?? "–"} | ${ratio(api.requestsPerSecond, r.rawCeiling?.requestsPerSecond)} | ${r.rawCeiling ? `${r.rawCeiling.latencyMs.p50} / ${r.rawCeiling.latencyMs.p99}` : "–"} | ${r.rawCeiling?.cpuMsPerRequest ?? "–"} | ${r.plainStack?.requestsPerSecond ?? "–"} | ${ratio(api.requestsPerSecond, r.plainStack?.requestsPerSecond)} |`,
      );
    }
  return lines.join("\n");
}

/** Live event delivery per size: commit (PATCH answered) to subscriber, and request to subscriber. */
export function eventsTable(eventsBySize: Record<string, EventLatency>): string {
  const sizes = Object.entries(eventsBySize);
  if (sizes.length === 0) return "";
  const lines = [
    "| Tickets | Events | delivered | lost | commit → subscriber p50 / p99 / max ms | request → subscriber p50 / p99 / max ms |",
    "|---:|---:|---:|---:|---|---|",
  ];
  for (const [size, e] of sizes) {
    const spread = (ms: EventLatency["afterCommitMs"]) => `${ms.p50} / ${ms.p99} / ${ms.max}`;
    lines.push(
      `| ${Number(size).toLocaleString("en")} | ${e.patches} | ${e.delivered} | ${e.lost} | ${spread(e.afterCommitMs)} | ${spread(e.afterRequestMs)} |`,
    );
  }
  return lines.join("\n");
}

/** Commit (the comment answered) → `notification.created` on a watcher's stream, per size. */
export function notificationsTable(bySize: Record<string, NotificationLatency>): string {
  const sizes = Object.entries(bySize);
  if (sizes.length === 0) return "";
  const lines = [
    "| Tickets | Comments | delivered | lost | commit → notification.created p50 / p99 / max ms |",
    "|---:|---:|---:|---:|---|",
  ];
  for (const [size, n] of sizes)
    lines.push(
      `| ${Number(size).toLocaleString("en")} | ${n.comments} | ${n.delivered} | ${n.lost} | ${n.afterCommitMs.p50} / ${n.afterCommitMs.p99} / ${n.afterCommitMs.max} |`,
    );
  return lines.join("\n");
}

/** Issue 15, item 6: what each feature added since costs a write, against a build without it. */
export function budgetsTable(bySize: Record<string, WriteBudget[]>): string {
  const rows = Object.entries(bySize).flatMap(([size, budgets]) => budgets.map((b) => ({ size, ...b })));
  if (rows.length === 0) return "";
  const percent = (share: number) => `${(share * 100).toFixed(1)} %`;
  const lines = [
    "| Tickets | Endpoint | Feature | req/s shipped / without it | throughput cost | CPU ms/req shipped / without | CPU cost | p99 ms shipped / without |",
    "|---:|---|---|---|---:|---|---:|---|",
  ];
  for (const b of rows)
    lines.push(
      `| ${Number(b.size).toLocaleString("en")} | \`${b.endpoint}\` | ${b.feature} | ${b.shipped.requestsPerSecond} / ${b.withoutFeature.requestsPerSecond} | ${percent(b.throughputCost)} | ${b.shipped.cpuMsPerRequest} / ${b.withoutFeature.cpuMsPerRequest} | ${percent(b.cpuCost)} | ${b.shipped.latencyMs.p99} / ${b.withoutFeature.latencyMs.p99} |`,
    );
  return lines.join("\n");
}

/** Issue 15, item 4: peak RSS with `npm start`'s flags against Node's defaults, and the throughput they cost. */
export function memoryTable(bySize: Record<string, MemoryCost[]>): string {
  const rows = Object.entries(bySize).flatMap(([size, costs]) => costs.map((c) => ({ size, ...c })));
  if (rows.length === 0) return "";
  const lines = [
    "| Tickets | Endpoint | Flags | peak RSS MB: flags / Node defaults | req/s: flags / defaults | throughput cost | CPU ms/req: flags / defaults | at the peak (flags, probe run): RSS = V8 heap (new / old / code / large objects / other) + external + the rest, MB |",
    "|---:|---|---|---|---|---:|---|---|",
  ];
  for (const c of rows)
    lines.push(
      `| ${Number(c.size).toLocaleString("en")} | \`${c.endpoint}\` | \`${c.flags.join(" ")}\` | ${c.shipped.peakRssMb} / ${c.nodeDefaults.peakRssMb} | ${c.shipped.requestsPerSecond} / ${c.nodeDefaults.requestsPerSecond} | ${(c.throughputCost * 100).toFixed(1)} % | ${c.shipped.cpuMsPerRequest} / ${c.nodeDefaults.cpuMsPerRequest} | ${c.composition ? compositionCell(c.composition) : "–"} |`,
    );
  return lines.join("\n");
}

function compositionCell(c: MemoryComposition): string {
  const { new_space = 0, old_space = 0, code_space = 0, large_object_space = 0, ...others } = c.spacesMb;
  const other = Object.values(others).reduce((sum, mb) => sum + mb, 0);
  return `${c.rssMb} = ${c.v8HeapMb} (${new_space} / ${old_space} / ${code_space} / ${large_object_space} / ${other}) + ${c.externalMb} + ${c.restMb}`;
}

/**
 * bench/results/<date>-<quick|full>.json with everything measured so far, and the table on
 * stdout. `sizesDone` against `sizes` tells a finished run from one stopped part way.
 */
export function writeResults(report: Report): void {
  const stamp = report.started.toISOString().replaceAll(":", "-").slice(0, 19);
  const file = `bench/results/${stamp}-${report.quick ? "quick" : "full"}.json`;
  const table = [
    markdownTable(report.bySize),
    cpuBreakdownTable(report.bySize),
    workerTable(report.bySize),
    connectionCostTable(report.connectionCostBySize),
    eventsTable(report.eventsBySize),
    webhooksTable(report.webhooksBySize),
    notificationsTable(report.notificationsBySize),
    budgetsTable(report.budgetsBySize),
    memoryTable(report.memoryBySize),
  ]
    .filter(Boolean)
    .join("\n\n");
  mkdirSync("bench/results", { recursive: true });
  writeFileSync(
    file,
    `${JSON.stringify({ date: report.started.toISOString(), command: report.command, sizes: report.sizes, sizesDone: Object.keys(report.bySize).map(Number), machine: machine(), settings: report.settings, results: report.bySize, events: report.eventsBySize, webhooks: report.webhooksBySize, notifications: report.notificationsBySize, budgets: report.budgetsBySize, memory: report.memoryBySize, connectionCost: report.connectionCostBySize, table }, null, 2)}\n`,
  );
  console.log(`\n${table}\n\nwritten to ${file}`);
}
