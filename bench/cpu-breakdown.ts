import type { Measurement } from "./measure.ts";

interface Targets {
  endpoint: string;
  api: Measurement;
  rawCeiling?: Measurement;
  plainStack?: Measurement;
}

/**
 * Where one request's CPU goes on the whole machine, per target: the server process, its helper
 * (the API's Redis gateway), PostgreSQL's backends and the rest (the load generator, the kernel's
 * network work). With every core busy, req/s is about cores × 1000 ÷ the machine's ms per request,
 * so this tells which part a gap between two targets lies in.
 */
export function cpuBreakdownTable(bySize: Record<string, Targets[]>): string {
  const lines = [
    "| Tickets | Endpoint | Target | req/s | machine CPU ms/req | server | gateway | PostgreSQL | the rest |",
    "|---:|---|---|---:|---:|---:|---:|---:|---:|",
  ];
  for (const [size, results] of Object.entries(bySize))
    for (const result of results) {
      const targets: [string, Measurement | undefined][] = [
        ["API", result.api],
        ["raw ceiling", result.rawCeiling],
        ["plain stack", result.plainStack],
      ];
      for (const [target, m] of targets) {
        if (!m?.machineCpuMsPerRequest) continue;
        const listed = m.cpuMsPerRequest + (m.helperCpuMsPerRequest ?? 0) + m.postgresCpuMsPerRequest;
        const rest = Math.max(0, m.machineCpuMsPerRequest - listed);
        lines.push(
          `| ${Number(size).toLocaleString("en")} | \`${result.endpoint}\` | ${target} | ${m.requestsPerSecond} | ${m.machineCpuMsPerRequest} | ${m.cpuMsPerRequest} | ${m.helperCpuMsPerRequest ?? "–"} | ${m.postgresCpuMsPerRequest} | ${rest.toFixed(3)} |`,
        );
      }
    }
  return lines.length > 2 ? lines.join("\n") : "";
}
