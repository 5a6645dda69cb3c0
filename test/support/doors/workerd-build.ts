import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import type { TestProject } from "vitest/node";
import { unstable_readConfig } from "wrangler";

export interface WorkerdBuild {
  /** The modules `wrangler deploy` would upload: the bundled Worker first, then what it imports. */
  modules: { type: "ESModule" | "CompiledWasm"; path: string }[];
  compatibilityDate: string;
  compatibilityFlags: string[];
  /** wrangler.toml's queues: binding → queue name, and the queues the Worker consumes. */
  queueProducers: Record<string, string>;
  queueConsumers: string[];
}

const root = join(dirname(new URL(import.meta.url).pathname), "../../..");

/**
 * Global setup of the workerd door: builds src/worker.ts once, exactly as a deploy does
 * (`wrangler deploy --dry-run --outdir`), and hands the modules and wrangler.toml's
 * compatibility settings to the test files, each of which runs them in its own workerd.
 */
export default async function setup(project: TestProject) {
  const outdir = await mkdtemp(join(tmpdir(), "tixgenius-workerd-door-"));
  const wrangler = join(
    dirname(createRequire(import.meta.url).resolve("wrangler/package.json")),
    "bin/wrangler.js",
  );
  // --env "": the top-level environment, whose vars the tests replace anyway.
  await promisify(execFile)(
    process.execPath,
    [
      wrangler,
      "deploy",
      "--dry-run",
      "--env",
      "",
      "--outdir",
      outdir,
      "--config",
      join(root, "wrangler.toml"),
    ],
    {
      cwd: root,
      // Offline: no request.cf lookup, no telemetry.
      env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" },
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  const files = await readdir(outdir);
  const main = files.find((file) => file.endsWith(".js"));
  if (!main) throw new Error(`wrangler wrote no Worker into ${outdir}: ${files.join(", ")}`);
  const wasm = files.filter((file) => file.endsWith(".wasm"));
  const config = unstable_readConfig({ config: join(root, "wrangler.toml") }, { hideWarnings: true });
  if (!config.compatibility_date) throw new Error("wrangler.toml has no compatibility_date");
  project.provide("workerdBuild", {
    modules: [
      { type: "ESModule", path: join(outdir, main) },
      ...wasm.map((file) => ({ type: "CompiledWasm" as const, path: join(outdir, file) })),
    ],
    compatibilityDate: config.compatibility_date,
    compatibilityFlags: config.compatibility_flags,
    queueProducers: Object.fromEntries(
      (config.queues.producers ?? []).map((producer: { binding: string; queue: string }) => [
        producer.binding,
        producer.queue,
      ]),
    ),
    queueConsumers: (config.queues.consumers ?? []).map((consumer: { queue: string }) => consumer.queue),
  });
  return () => rm(outdir, { recursive: true, force: true });
}
