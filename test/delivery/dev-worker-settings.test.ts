import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  DEFAULT_WORKER_DATABASE_URL,
  workerDevSettings,
  wranglerDevArgs,
} from "../../scripts/dev-worker-settings.ts";
import { DEVELOPMENT_JWT_SECRET } from "../../src/config/schema.ts";
import { loadEnvironment } from "../../src/node/env-file.ts";

let folder: string | undefined;
afterEach(async () => {
  if (folder) await rm(folder, { recursive: true, force: true });
  folder = undefined;
});

/** The environment dev:worker reads: `.env.development` in a scratch folder beneath `env`. */
async function environmentWith(file: string, env: Record<string, string>) {
  folder = await mkdtemp(join(tmpdir(), "tixgenius-dev-worker-"));
  await writeFile(join(folder, ".env.development"), file);
  return loadEnvironment(folder, { ...env, NODE_ENV: "development" });
}

/** The value each `--var KEY:VALUE` gives KEY; the last one wins, as in wrangler. */
function varsOf(args: string[]): Record<string, string> {
  const vars: Record<string, string> = {};
  args.forEach((arg, index) => {
    if (arg !== "--var") return;
    const pair = args[index + 1] ?? "";
    const colon = pair.indexOf(":");
    vars[pair.slice(0, colon)] = pair.slice(colon + 1);
  });
  return vars;
}

describe("npm run dev:worker settings", () => {
  it("passes CORS_ORIGINS from the environment over the env file, as --var over wrangler.toml", async () => {
    const environment = await environmentWith("CORS_ORIGINS=http://localhost:5173\nLOG_LEVEL=info\n", {
      CORS_ORIGINS: "http://127.0.0.1:4000",
      EVENT_STREAM_MAX_SECONDS: "10",
    });
    const vars = varsOf(wranglerDevArgs(workerDevSettings(environment), []));
    expect(vars.CORS_ORIGINS).toBe("http://127.0.0.1:4000");
    expect(vars.EVENT_STREAM_MAX_SECONDS).toBe("10");
    expect(vars.LOG_LEVEL).toBe("info");
  });

  it("uses a database of its own, not the shared postgres one, unless DATABASE_URL says otherwise", async () => {
    const byDefault = workerDevSettings(await environmentWith("", {}));
    expect(new URL(byDefault.databaseUrl).pathname).not.toBe("/postgres");
    expect(byDefault.databaseUrl).toBe(DEFAULT_WORKER_DATABASE_URL);
    expect(varsOf(wranglerDevArgs(byDefault, [])).DATABASE_URL).toBe(DEFAULT_WORKER_DATABASE_URL);

    const mine = "postgres://me@db.internal:5432/mine";
    const overridden = workerDevSettings(await environmentWith("", { DATABASE_URL: mine }));
    expect(overridden.databaseUrl).toBe(mine);
    expect(varsOf(wranglerDevArgs(overridden, [])).DATABASE_URL).toBe(mine);
  });

  it("gives the Worker the development secret and mode, and keeps Node-only keys to Node", async () => {
    const environment = await environmentWith("PORT=8787\nDATA_DIR=.data\n", {
      REDIS_URL: "redis://127.0.0.1:6379",
      EMBEDDED_GATEWAY: "true",
      NODE_ENV: "production",
    });
    const settings = workerDevSettings(environment);
    const vars = varsOf(wranglerDevArgs(settings, []));
    expect(vars.JWT_SECRET).toBe(DEVELOPMENT_JWT_SECRET);
    expect(vars.NODE_ENV).toBe("development");
    for (const key of ["PORT", "DATA_DIR", "REDIS_URL", "EMBEDDED_GATEWAY"])
      expect(vars).not.toHaveProperty(key);
    expect(settings.redisUrl).toBe("redis://127.0.0.1:6379");
    expect(settings.port).toBe("8787");
  });

  it("listens on WORKER_PORT over PORT, and passes its own arguments on to wrangler dev", async () => {
    const settings = workerDevSettings(await environmentWith("PORT=8787\n", { WORKER_PORT: "18787" }));
    const args = wranglerDevArgs(settings, ["--inspector-port", "0"]);
    expect(args.slice(0, 6)).toEqual(["dev", "--local", "--ip", "127.0.0.1", "--port", "18787"]);
    expect(args).toContain("--inspector-port");
  });
});
