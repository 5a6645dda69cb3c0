import { mkdirSync, writeFileSync } from "node:fs";
import { machine } from "../report.ts";
import type { Check, SoakFigures } from "./checks.ts";
import type { SoakOptions } from "./options.ts";
import type { RssSample } from "./rss-flatness.ts";

export interface SoakReport {
  started: Date;
  command: string;
  options: SoakOptions;
  checks: Check[];
  figures: SoakFigures;
  /** What the sampler read from /metrics, milliseconds since traffic started. */
  samples: { rss: RssSample[]; heapUsed: RssSample[] };
}

const ms = (value?: number) => (value === undefined ? "–" : `${value.toFixed(1)} ms`);
const mb = (bytes?: number) => (bytes === undefined ? "–" : `${(bytes / 2 ** 20).toFixed(1)} MB`);

/** The checks, the headline figures and the traffic per operation, as markdown tables. */
export function soakTables(report: SoakReport): string {
  const { figures } = report;
  const checks = [
    "| check | result | figures |",
    "|---|---|---|",
    ...report.checks.map((check) => `| ${check.name} | ${check.pass ? "PASS" : "FAIL"} | ${check.figures} |`),
  ];
  const headline = [
    "| figure | value |",
    "|---|---:|",
    `| achieved rate | ${(figures.traffic.client.total / (figures.traffic.run.durationMs / 1000)).toFixed(1)} req/s |`,
    `| client latency p50 / p99 | ${ms(figures.traffic.client.latencyMs.p50)} / ${ms(figures.traffic.client.latencyMs.p99)} |`,
    `| server latency p50 / p99 (histogram) | ${ms(figures.server.latencyMs.p50)} / ${ms(figures.server.latencyMs.p99)} |`,
    `| event publish lag p50 / p99 (histogram) | ${ms(figures.server.publishLagMs.p50)} / ${ms(figures.server.publishLagMs.p99)} |`,
    `| relay backlog at the end | ${figures.server.relayBacklog} |`,
    `| V8 heap floor, first / last third after warm-up | ${mb(figures.heapFloor?.firstThirdBytes)} / ${mb(figures.heapFloor?.lastThirdBytes)} |`,
    `| events committed / streamed | ${figures.events.committed} / ${figures.events.received} (drained in ${ms(figures.events.drainMs)}) |`,
  ];
  const operations = [
    "| operation | requests | statuses | p50 | p99 |",
    "|---|---:|---|---:|---:|",
    ...Object.entries(figures.traffic.client.operations).map(
      ([name, summary]) =>
        `| ${name} | ${summary.count} | ${Object.entries(summary.statuses)
          .map(([status, count]) => `${status}×${count}`)
          .join(" ")} | ${ms(summary.latencyMs.p50)} | ${ms(summary.latencyMs.p99)} |`,
    ),
  ];
  return [checks, headline, operations].map((table) => table.join("\n")).join("\n\n");
}

/** bench/results/soak-<date>.json with every figure and sample, and the tables on stdout. */
export function writeSoakReport(report: SoakReport): string {
  const stamp = report.started.toISOString().replaceAll(":", "-").slice(0, 19);
  const file = `bench/results/soak-${stamp}.json`;
  const tables = soakTables(report);
  mkdirSync("bench/results", { recursive: true });
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        date: report.started.toISOString(),
        command: report.command,
        machine: machine(),
        options: report.options,
        pass: report.checks.every((check) => check.pass),
        checks: report.checks,
        figures: report.figures,
        samples: report.samples,
        tables,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`\n${tables}\n\nwritten to ${file}`);
  return file;
}
