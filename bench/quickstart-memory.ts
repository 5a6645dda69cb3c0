import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { bundleForNode } from "../scripts/node-bundle.ts";
import { waitForHttp } from "./processes.ts";
import { unlimitedRateLimits } from "./rate-limits.ts";
import { startScriptNodeFlags } from "./start-flags.ts";

/**
 * The README's quick start on the embedded defaults (PGlite under a fresh DATA_DIR, the
 * in-process gateway's memory backend), measured from outside: the seed's peak RSS, then the
 * API's RSS at idle and while it answers `--requests` requests (8 in flight: ticket lists,
 * searches, reads and comments). RSS is the whole process tree's (tsx runs the code in a child).
 *
 *   npm run bench:quickstart -- [--requests 20000] [--entry start|dev] [--node-flags=--max-semi-space-size=16]
 *
 * `start` is `npm start` (the bundle); `dev` is `npm run dev` (tsx watch). Rate limits are lifted,
 * as in the soak, so the limiter runs but never refuses. With `start`, bench/memory-probe.mjs
 * runs inside the API and splits its RSS into V8's live heap (after a full collection), the heap
 * V8 has committed, and PGlite's WASM memory; `--node-flags` passes V8 flags to try against them (default: `npm start`'s).
 */
const { values } = parseArgs({
  options: {
    requests: { type: "string", default: "20000" },
    entry: { type: "string", default: "start" },
    "node-flags": { type: "string" },
  },
});
const requests = Number(values.requests);
const entry = values.entry === "dev" ? "dev" : "start";
// `npm start`'s own flags unless others are given to try.
const nodeFlags = values["node-flags"]?.split(" ").filter(Boolean) ?? startScriptNodeFlags();
const ROOT = new URL("..", import.meta.url).pathname;
const TSX_CLI = join(ROOT, "node_modules/tsx/dist/cli.mjs");
const PORT = 18000 + Math.floor(Math.random() * 1000);

/** Resident memory of a process and all its descendants, in MB. */
function treeRssMb(rootPid: number): number {
  const parents = new Map<number, number>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      parents.set(Number(name), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {}
  }
  const tree = new Set([rootPid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, parent] of parents)
      if (tree.has(parent) && !tree.has(pid)) {
        tree.add(pid);
        grew = true;
      }
  }
  let kb = 0;
  for (const pid of tree) {
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
    } catch {}
  }
  return Math.round(kb / 1024);
}

/** Runs Node on the embedded defaults: none of the shell's service URLs reach it. */
function run(args: string[], env: Record<string, string>, logFile: string) {
  const { DATABASE_URL: _db, REDIS_URL: _redis, UPSTASH_REDIS_REST_URL: _url, ...inherited } = process.env;
  const log = openSync(logFile, "w");
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...inherited, ...env },
    stdio: ["ignore", log, log],
  });
  closeSync(log);
  return child;
}

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

const dataDir = await mkdtemp(join(tmpdir(), "tixgenius-quickstart-"));
const baseEnv = { NODE_ENV: "development", DATA_DIR: dataDir, LOG_LEVEL: "warn" };
try {
  // 1. `npm run db:seed` on a fresh data directory (PGlite's initdb runs), then again (idempotent).
  const seedRuns: { peakRssMb: number; seconds: number }[] = [];
  for (const run_ of ["first", "again"]) {
    const seed = run(
      [TSX_CLI, "scripts/db-seed.ts"],
      baseEnv,
      join(tmpdir(), `tixgenius-quickstart-seed-${run_}.log`),
    );
    let peakRssMb = 0;
    const seedStarted = performance.now();
    const seedExit = exited(seed);
    while (seed.exitCode === null) {
      peakRssMb = Math.max(peakRssMb, treeRssMb(seed.pid ?? -1));
      await Promise.race([sleep(100), seedExit]);
    }
    if ((await seedExit) !== 0) throw new Error("db:seed failed");
    const seconds = Math.round((performance.now() - seedStarted) / 100) / 10;
    seedRuns.push({ peakRssMb, seconds });
    console.error(`db:seed (${run_}) in ${seconds} s, peak RSS ${peakRssMb} MB`);
  }

  // 2. The API on the embedded defaults.
  if (entry === "start") await bundleForNode("src/node.ts", "dist/quickstart-node.mjs");
  const probeFile = join(tmpdir(), `tixgenius-quickstart-probe-${process.pid}.jsonl`);
  const apiArgs =
    entry === "start"
      ? [...nodeFlags, "--expose-gc", "--import", "./bench/memory-probe.mjs", "dist/quickstart-node.mjs"]
      : [TSX_CLI, "watch", "--clear-screen=false", "src/node.ts"];
  const apiLog = join(tmpdir(), "tixgenius-quickstart-api.log");
  const api = run(
    apiArgs,
    { ...baseEnv, PORT: String(PORT), MEMORY_PROBE_FILE: probeFile, ...unlimitedRateLimits() },
    apiLog,
  );
  /** The API's own last reading (bench/memory-probe.mjs; `start` only): V8 heap, external, WASM. */
  const probe = (afterGc = false): Record<string, number> | undefined => {
    try {
      const lines = readFileSync(probeFile, "utf8")
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line));
      return lines.filter((line) => !afterGc || line.afterGc).at(-1);
    } catch {
      return undefined;
    }
  };
  const url = `http://127.0.0.1:${PORT}`;
  try {
    await waitForHttp(`${url}/health`, 120_000).catch((error: unknown) => {
      throw new Error(`the API did not start (see ${apiLog})`, { cause: error });
    });
    await sleep(15_000);
    const idleMb = treeRssMb(api.pid ?? -1);
    const idleProbe = probe(true);
    console.error(`API idle RSS ${idleMb} MB`, JSON.stringify(idleProbe));

    // 3. Traffic: reads, searches and comments as the development admin.
    const login = await fetch(`${url}/v1/auth/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email: "admin@tixgenius.local", password: "tixgenius-dev-admin" }),
    });
    const { accessToken } = (await login.json()) as { accessToken: string };
    const auth = { Authorization: `Bearer ${accessToken}` };
    const list = (await (await fetch(`${url}/v1/tickets?limit=100`, { headers: auth })).json()) as {
      data: { id: string }[];
    };
    const ids = list.data.map((ticket) => ticket.id);
    const paths = [
      "/v1/tickets?limit=50",
      "/v1/tickets?status=open&limit=50",
      "/v1/tickets?q=timeout&limit=20",
    ];
    let sent = 0;
    let failed = 0;
    const samples: { requests: number; seconds: number; rssMb: number; live?: Record<string, number> }[] = [];
    const trafficStarted = performance.now();
    const worker = async () => {
      while (sent < requests) {
        const n = sent++;
        const id = ids[n % ids.length] ?? "";
        const response =
          n % 10 === 9
            ? await fetch(`${url}/v1/tickets/${id}/comments`, {
                method: "POST",
                headers: { ...auth, "Content-Type": "application/json" },
                body: JSON.stringify({ body: `Soak comment ${n}` }),
              })
            : await fetch(`${url}${n % 10 < 6 ? paths[n % 3] : `/v1/tickets/${id}`}`, { headers: auth });
        if (response.status >= 400) failed++;
        await response.arrayBuffer();
        if (n % Math.max(1, Math.floor(requests / 20)) === 0) {
          const seconds = Math.round((performance.now() - trafficStarted) / 1000);
          samples.push({ requests: n, seconds, rssMb: treeRssMb(api.pid ?? -1), live: probe(true) });
          console.error(`${n} requests, RSS ${samples.at(-1)?.rssMb} MB`, JSON.stringify(probe(true)));
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    const trafficSeconds = Math.round((performance.now() - trafficStarted) / 100) / 10;
    const afterMb = treeRssMb(api.pid ?? -1);
    await sleep(15_000);
    const settledMb = treeRssMb(api.pid ?? -1);
    const settledProbe = probe(true);
    const report = {
      entry,
      nodeFlags,
      seed: { first: seedRuns[0], again: seedRuns[1] },
      api: {
        idleRssMb: idleMb,
        idle: idleProbe,
        requests,
        failed,
        trafficSeconds,
        afterRequestsRssMb: afterMb,
        settledRssMb: settledMb,
        settled: settledProbe,
        peakRssMb: Math.max(afterMb, ...samples.map((sample) => sample.rssMb)),
      },
      samples,
    };
    console.log(
      JSON.stringify({ ...report, samples: samples.map((sample) => `${sample.requests}:${sample.rssMb}`) }),
    );
    console.error(
      "requests  s  RSS  heapUsed(after gc)  heapTotal  external  arrayBuffers  wasmRss (MB)\n" +
        samples
          .map((s) =>
            [
              s.requests,
              s.seconds,
              s.rssMb,
              s.live?.heapUsedMb,
              s.live?.heapTotalMb,
              s.live?.externalMb,
              s.live?.arrayBuffersMb,
              s.live?.wasmRssMb,
            ].join("  "),
          )
          .join("\n"),
    );
    await mkdir("bench/results", { recursive: true });
    const stamp = new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19);
    await writeFile(
      `bench/results/quickstart-${entry}-${stamp}.json`,
      `${JSON.stringify(report, null, 2)}\n`,
    );
  } finally {
    api.kill("SIGTERM");
    await exited(api);
  }
} finally {
  await rm(dataDir, { recursive: true, force: true });
}
