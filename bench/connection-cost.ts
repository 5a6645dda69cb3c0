import { readFileSync } from "node:fs";
import postgres from "postgres";
import type { Statement } from "./capture.ts";

export interface ConnectionCost {
  endpoint: string;
  iterations: number;
  /** The endpoint's statements, one after the other, on a connection kept open (Node's pool). */
  warmMs: { p50: number; p99: number };
  /** The same on a new connection each time, with the Worker's client options (a Worker request). */
  freshMs: { p50: number; p99: number };
  /** Connecting alone: TCP, startup, authentication and one `select 1`. */
  connectMs: { p50: number; p99: number };
  /** PostgreSQL backend CPU per request (/proc/<backend>/schedstat), when the server runs here. */
  backendCpuMs?: { warm: number; fresh: number };
}

/**
 * What a connection per request costs, without HTTP or workerd in the way: the SQL one request of
 * `endpoint` sent (captured by bench/capture.ts), replayed `iterations` times sequentially on one
 * kept connection and on a new one each time, with the options of the Worker's client
 * (src/adapters/database/request-scoped.ts). postgres.js describes every statement with
 * parameters the first time a connection sees it (Parse/Describe, wait, Bind/Execute), so a new
 * connection pays that round trip for every statement of the request, on top of the startup.
 */
export async function measureConnectionCost(
  databaseUrl: string,
  endpoint: string,
  statements: readonly Statement[],
  iterations = 200,
): Promise<ConnectionCost> {
  const options = { max: 1, fetch_types: false, prepare: true, onnotice: () => {} } as const;
  const replay = async (sql: postgres.Sql) => {
    for (const statement of statements)
      await sql.unsafe(statement.query, statement.params as postgres.ParameterOrJSON<never>[], {
        prepare: true,
      });
  };
  const warm = postgres(databaseUrl, options);
  const warmTimes: number[] = [];
  const fresh: number[] = [];
  const connect: number[] = [];
  let freshCpuNs = 0;
  let warmCpuNs = 0;
  try {
    await replay(warm); // prepares the statements, as a pool's connection has long since
    const [{ pid: warmPid } = { pid: 0 }] = await warm<{ pid: number }[]>`select pg_backend_pid() as pid`;
    const warmCpuBefore = backendCpuNs(warmPid);
    for (let run = 0; run < iterations; run++) {
      const started = performance.now();
      await replay(warm);
      warmTimes.push(performance.now() - started);
    }
    warmCpuNs = (backendCpuNs(warmPid) ?? 0) - (warmCpuBefore ?? 0);
    for (let run = 0; run < iterations; run++) {
      const sql = postgres(databaseUrl, options);
      try {
        const started = performance.now();
        await replay(sql);
        fresh.push(performance.now() - started);
        const [{ pid } = { pid: 0 }] = await sql<{ pid: number }[]>`select pg_backend_pid() as pid`;
        freshCpuNs += backendCpuNs(pid) ?? 0;
      } finally {
        await sql.end();
      }
      const probe = postgres(databaseUrl, options);
      try {
        const started = performance.now();
        await probe`select 1`;
        connect.push(performance.now() - started);
      } finally {
        await probe.end();
      }
    }
  } finally {
    await warm.end();
  }
  const readable = backendCpuNs(process.pid) !== undefined && freshCpuNs > 0;
  return {
    endpoint,
    iterations,
    warmMs: spread(warmTimes),
    freshMs: spread(fresh),
    connectMs: spread(connect),
    backendCpuMs: readable
      ? { warm: round(warmCpuNs / iterations / 1e6), fresh: round(freshCpuNs / iterations / 1e6) }
      : undefined,
  };
}

/** Time the process has run on a CPU, in ns (first field of /proc/<pid>/schedstat); undefined if not here. */
function backendCpuNs(pid: number): number | undefined {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[0]);
  } catch {
    return undefined;
  }
}

const round = (value: number) => Number(value.toFixed(2));

function spread(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0);
  return { p50: at(0.5), p99: at(0.99) };
}

/** One row per endpoint: a kept connection beside a new one per request. */
export function connectionCostTable(bySize: Record<string, ConnectionCost[]>): string {
  const lines = [
    "| Tickets | Endpoint's SQL | kept connection p50 / p99 ms | new connection p50 / p99 ms | connect + `select 1` p50 / p99 ms | PG backend CPU ms/req (kept / new) |",
    "|---:|---|---|---|---|---|",
  ];
  for (const [size, costs] of Object.entries(bySize))
    for (const c of costs)
      lines.push(
        `| ${Number(size).toLocaleString("en")} | \`${c.endpoint}\` | ${c.warmMs.p50} / ${c.warmMs.p99} | ${c.freshMs.p50} / ${c.freshMs.p99} | ${c.connectMs.p50} / ${c.connectMs.p99} | ${c.backendCpuMs ? `${c.backendCpuMs.warm} / ${c.backendCpuMs.fresh}` : "–"} |`,
      );
  return lines.length > 2 ? lines.join("\n") : "";
}
