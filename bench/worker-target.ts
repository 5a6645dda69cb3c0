import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { wranglerDevArgs } from "../scripts/dev-worker-settings.ts";
import { type Started, startNode, waitForHttp } from "./processes.ts";

/**
 * How the Worker reaches PostgreSQL: `direct` is the DATABASE_URL var (a postgres.js client per
 * request straight to the server); `hyperdrive` is wrangler's local Hyperdrive emulation of the
 * HYPERDRIVE binding, which only the named environments declare (wrangler.toml), so that variant
 * runs `--env staging` with NODE_ENV and the rest overridden by the same --var as `direct`.
 */
export type WorkerVariant = "direct" | "hyperdrive";
export const WORKER_VARIANTS: readonly WorkerVariant[] = ["direct", "hyperdrive"];

export interface WorkerTarget extends Started {
  variant: WorkerVariant;
  url: string;
  /** The workerd running the Worker, and the one running wrangler's proxy in front of it. */
  workerd: { worker: number; proxy: number };
  /** wrangler's output: its own warnings and errors, and the Worker's (the app's warn and error lines). */
  logFile: string;
}

// wrangler's CLI itself, not bin/wrangler.js: that wrapper does not pass SIGTERM on to it.
const WRANGLER_CLI = join(
  dirname(createRequire(import.meta.url).resolve("wrangler/package.json")),
  "wrangler-dist/cli.js",
);

/**
 * `wrangler dev --local` (workerd, no network) on `port`, with `vars` as `--var` (the bench
 * database, gateway, JWT secret and rate limits the Node API gets), waited for until it answers.
 */
export async function startWorker(
  variant: WorkerVariant,
  port: number,
  inspectorPort: number,
  vars: Record<string, string>,
): Promise<WorkerTarget> {
  const databaseUrl = vars.DATABASE_URL ?? "";
  // Each its own local state (R2, queues), so two dev servers never share a SQLite file.
  const persistTo = mkdtempSync(join(tmpdir(), `tixgenius-bench-worker-${variant}-`));
  const extra = ["--persist-to", persistTo, "--inspector-port", String(inspectorPort), "--log-level", "warn"];
  if (variant === "hyperdrive") extra.push("--env", "staging");
  const args = wranglerDevArgs({ port: String(port), databaseUrl, redisUrl: undefined, vars }, extra);
  const log = join(persistTo, "wrangler.log");
  const started = startNode(
    `worker (${variant})`,
    WRANGLER_CLI,
    {
      // Local mode without network: no request.cf lookup, no telemetry.
      CLOUDFLARE_CF_FETCH_ENABLED: "false",
      WRANGLER_SEND_METRICS: "false",
      ...(variant === "hyperdrive"
        ? { CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE: hyperdriveOrigin(databaseUrl) }
        : {}),
    },
    ["--no-warnings"],
    log,
    args,
  );
  const url = `http://127.0.0.1:${port}`;
  let workerd: { worker: number; proxy: number };
  try {
    // Bundling and starting workerd takes seconds; far more on a busy machine.
    await waitForHttp(`${url}/health`, 180_000);
    workerd = await settledWorkerd(started.pid, port);
  } catch (error) {
    await started.stop();
    throw new Error(`${String(error)}\n${readFileSync(log, "utf8").slice(-3000)}`);
  }
  return {
    ...started,
    variant,
    url,
    workerd,
    logFile: log,
    stop: async () => {
      await started.stop();
      // wrangler ends its workerd processes on SIGTERM; make sure, so none outlives the bench.
      for (const pid of [workerd.worker, workerd.proxy])
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // Already gone.
        }
      rmSync(persistTo, { recursive: true, force: true });
    },
  };
}

/**
 * Miniflare refuses a Hyperdrive origin without a password (trust auth never asks for it), and
 * only `sslmode=disable` connects workerd straight to the server; any other mode puts a Node TLS
 * proxy inside wrangler in the path, which the deployed Hyperdrive does not have.
 */
function hyperdriveOrigin(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  url.password ||= "bench";
  url.searchParams.set("sslmode", "disable");
  return url.toString();
}

/** wrangler restarts the Worker's workerd once while it settles its config: wait for the pair. */
async function settledWorkerd(wranglerPid: number, port: number, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return workerdProcesses(wranglerPid, port);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/**
 * wrangler dev runs two workerd processes: its proxy (listening on the dev port, forwarding every
 * request) and the one running the Worker. Both are children of wrangler, told apart by the socket
 * the proxy's command line names.
 */
export function workerdProcesses(wranglerPid: number, port: number): { worker: number; proxy: number } {
  const children = readdirSync("/proc").flatMap((entry) => {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) return [];
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      if (parent !== wranglerPid || comm !== "workerd") return [];
      return [{ pid, cmdline: readFileSync(`/proc/${pid}/cmdline`, "utf8") }];
    } catch {
      return []; // ended while /proc was read
    }
  });
  const entry = `--socket-addr=entry=127.0.0.1:${port}\0`;
  const proxy = children.find((child) => child.cmdline.includes(entry));
  const worker = children.find((child) => child !== proxy);
  if (!proxy || !worker)
    throw new Error(`expected two workerd processes under wrangler (pid ${wranglerPid})`);
  return { worker: worker.pid, proxy: proxy.pid };
}
