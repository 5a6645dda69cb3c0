import { Gauge } from "../lib/metrics/prometheus-text.ts";

/** The process's own figures, read when `/metrics` is scraped (the soak checks RSS stays flat). */
export function processGauges(): Gauge[] {
  return [
    new Gauge("process_resident_memory_bytes", "Resident set size in bytes", () => process.memoryUsage.rss()),
    new Gauge("nodejs_heap_used_bytes", "V8 heap in use, in bytes", () => process.memoryUsage().heapUsed),
  ];
}
