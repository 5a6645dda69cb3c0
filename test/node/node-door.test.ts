import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_PASSWORD, jsonRequest } from "../support/factories.ts";
import {
  BUNDLED,
  FROM_SOURCE,
  freePort,
  ROOT,
  startNodeDoor,
  waitForListening,
} from "../support/node-door.ts";
import { readSse } from "../support/sse.ts";

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
      // The dev mail catcher's page, at the address its start-up line gives a newcomer.
      const catcher = /"msg":"dev mail catcher started[^\n]*"webUrl":"([^"]+)"/.exec(started.output());
      const page = await fetch(catcher?.[1] ?? "http://invalid.invalid/");
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("MailDev");

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
  it("refuses to keep attachments on local disk when deployed: S3 is required", async () => {
    const started = startNodeDoor({
      NODE_ENV: "production",
      JWT_SECRET: "p".repeat(48),
      DATABASE_URL: "postgres://user:pw@127.0.0.1:1/tix",
      UPSTASH_REDIS_REST_URL: "https://redis.invalid",
      UPSTASH_REDIS_REST_TOKEN: "token",
      // Everything else a deployed instance needs, so the object store is what is missing.
      SMTP_URL: "smtps://user:pw@smtp.example:465",
      APP_URL: "https://app.example",
    });
    expect(await started.exited).toBe(1);
    expect(started.output()).toContain("S3_BUCKET:");
  });
});

describe("shutting down with open event streams", () => {
  it("ends every stream at once with an end comment on SIGTERM, then exits 0 well before its deadline", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "tixgenius-door-"));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const port = await freePort();
    // A deadline far beyond the test's: streams held until it would fail the test by timing out.
    const started = startNodeDoor({
      NODE_ENV: "development",
      PORT: String(port),
      DATA_DIR: dataDir,
      SHUTDOWN_TIMEOUT_MS: "120000",
    });
    cleanup.push(async () => {
      if (started.child.exitCode === null) started.child.kill("SIGKILL");
    });
    await waitForListening(started, 60_000);
    const base = `http://127.0.0.1:${port}`;
    const credentials = { email: `door-${Date.now()}@example.com`, password: DEFAULT_PASSWORD };
    const registered = await fetch(
      `${base}/v1/auth/register`,
      jsonRequest("POST", { ...credentials, name: "Door" }),
    );
    expect(registered.status, await registered.text()).toBe(201);
    const login = await fetch(`${base}/v1/auth/login`, jsonRequest("POST", credentials));
    expect(login.status).toBe(200);
    const { accessToken } = (await login.json()) as { accessToken: string };

    const streams = await Promise.all(
      [1, 2].map(async () => {
        const abort = new AbortController();
        const response = await fetch(`${base}/v1/events`, {
          headers: { Authorization: `Bearer ${accessToken}` },
          signal: abort.signal,
        });
        expect(response.status).toBe(200);
        const stream = readSse(response, abort);
        await stream.until((sse) => sse.comments.includes("live"), 10_000);
        return stream;
      }),
    );
    cleanup.push(async () => {
      await Promise.all(streams.map((stream) => stream.close()));
    });

    started.child.kill("SIGTERM");
    for (const stream of streams) {
      await stream
        .until((sse) => sse.done, 15_000)
        .catch((error: Error) => {
          throw new Error(`the stream was held open after SIGTERM: ${error.message}`);
        });
      expect(stream.comments.at(-1), "the stream said why it ended").toBe("end shutdown");
    }
    expect(await started.exited).toBe(0);
    const lines = started
      .output()
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as { level: string; msg: string });
    expect(lines.filter((line) => line.level === "warn" || line.level === "error")).toEqual([]);
  }, 90_000);
});
