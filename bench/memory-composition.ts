import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Endpoint } from "./alternating.ts";
import { measure, type Settings } from "./measure.ts";
import { startNode, waitForHttp } from "./processes.ts";

const PROBE = fileURLToPath(new URL("./memory-probe.mjs", import.meta.url));

/** One reading of bench/memory-probe.mjs (the fields used here). */
export interface ProbeSample {
  rssMb: number;
  externalMb: number;
  arrayBuffersMb: number;
  spacesMb: Record<string, number>;
}

/**
 * What the resident set was made of at its highest reading: each V8 heap space's committed size,
 * memory V8 knows of outside its heap (`external`, Buffers and ArrayBuffers included), and the rest:
 * Node's and V8's own code and data, native allocations, malloc's free lists.
 */
export interface MemoryComposition {
  rssMb: number;
  v8HeapMb: number;
  spacesMb: Record<string, number>;
  externalMb: number;
  arrayBuffersMb: number;
  restMb: number;
}

export function compositionAtPeak(samples: readonly ProbeSample[]): MemoryComposition | undefined {
  const peak = samples.reduce<ProbeSample | undefined>(
    (top, s) => (top && top.rssMb >= s.rssMb ? top : s),
    undefined,
  );
  if (!peak) return undefined;
  const v8HeapMb = Object.values(peak.spacesMb).reduce((sum, mb) => sum + mb, 0);
  return {
    rssMb: peak.rssMb,
    v8HeapMb,
    spacesMb: peak.spacesMb,
    externalMb: peak.externalMb,
    arrayBuffersMb: peak.arrayBuffersMb,
    restMb: peak.rssMb - v8HeapMb - peak.externalMb,
  };
}

export function readProbeSamples(file: string): ProbeSample[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as ProbeSample);
}

/**
 * The API with `nodeArgs` (npm start's) and the probe loaded, under one endpoint's load for one
 * run after its warm-up, read every 100 ms. The probe forces no collection (no --expose-gc), so
 * the readings are what the load leaves.
 */
export async function measureMemoryComposition(options: {
  env: Record<string, string>;
  port: number;
  bundle: string;
  nodeArgs: string[];
  endpoint: Endpoint;
  settings: Settings;
}): Promise<MemoryComposition | undefined> {
  const dir = mkdtempSync(join(tmpdir(), "tixgenius-memory-"));
  const file = join(dir, "probe.jsonl");
  const api = startNode(
    `api (${options.bundle}, memory probe)`,
    options.bundle,
    { ...options.env, PORT: String(options.port), MEMORY_PROBE_FILE: file, MEMORY_PROBE_MS: "100" },
    [...options.nodeArgs, "--import", PROBE],
  );
  try {
    const url = `http://127.0.0.1:${options.port}`;
    await waitForHttp(`${url}/health`);
    await measure({ url, pid: api.pid }, options.endpoint.load, { ...options.settings, runs: 1 });
    return compositionAtPeak(readProbeSamples(file));
  } finally {
    await api.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
