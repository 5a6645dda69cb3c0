import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  BUNDLED,
  FROM_SOURCE,
  freePort,
  ROOT,
  startNodeDoor,
  waitForListening,
} from "../support/node-door.ts";

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

describe("the Node door (src/node.ts)", () => {
  beforeAll(() => {
    const build = spawnSync(process.execPath, ["--import", "tsx", "scripts/build.ts"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    expect(build.status, build.stderr).toBe(0);
  });

  it.each([
    ["from source through tsx", FROM_SOURCE],
    ["bundled by npm run build", BUNDLED],
  ])(
    "serves the whole API on the embedded defaults and exits 0 on SIGTERM, %s",
    async (_how, entry) => {
      const dataDir = await mkdtemp(join(tmpdir(), "tixgenius-door-"));
      cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
      const port = await freePort();
      const started = startNodeDoor(
        { NODE_ENV: "development", PORT: String(port), DATA_DIR: dataDir },
        entry,
      );
      cleanup.push(async () => {
        if (started.child.exitCode === null) started.child.kill("SIGKILL");
      });
      await waitForListening(started, 100_000);

      const ready = await fetch(`http://127.0.0.1:${port}/ready`);
      expect(ready.status).toBe(200);
      expect(((await ready.json()) as { status: string }).status).toBe("ok");
      expect((await fetch(`http://127.0.0.1:${port}/openapi.json`)).status).toBe(200);
      // The reference page's script comes from node_modules, found from the source or the bundle.
      const script = await fetch(`http://127.0.0.1:${port}/docs/assets/api-reference.js`);
      expect(script.status).toBe(200);
      expect(await script.text()).toContain("createApiReference");

      started.child.kill("SIGTERM");
      expect(await started.exited).toBe(0);
      expect(started.output()).toContain('"msg":"shutdown complete"');
    },
    120_000,
  ); // a fresh PGlite's initdb takes tens of seconds on a loaded 2-core machine

  it("refuses to start with a message naming every bad key", async () => {
    const started = startNodeDoor({ NODE_ENV: "production", PORT: "not-a-port", JWT_SECRET: "short" });
    expect(await started.exited).toBe(1);
    const output = started.output();
    for (const key of [
      "PORT",
      "JWT_SECRET",
      "DATABASE_URL",
      "UPSTASH_REDIS_REST_URL",
      "UPSTASH_REDIS_REST_TOKEN",
    ]) {
      expect(output).toContain(`${key}:`);
    }
    expect(output).not.toContain("short");
  });
});
