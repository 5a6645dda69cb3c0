import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { DEVELOPMENT_JWT_SECRET } from "../../src/config/schema.ts";
import { pngBytes } from "../support/factories/attachments.ts";
import { insertTicket } from "../support/factories/tickets.ts";
import { createUser, DEFAULT_PASSWORD, jsonRequest } from "../support/factories.ts";
import { freePort, type StartedDoor, startNodeDoor } from "../support/node-door.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";

const MB = 2 ** 20;
const CHUNK = 256 * 1024;

/**
 * 50 MB and 150 MB uploads and downloads through the real Node door (src/node.ts, its own process)
 * with the disk store, the one engine on Node whose bytes pass through the API. The server's RSS
 * is sampled from /proc while a file streams.
 *
 * Streaming is not free of growth: every chunk is a Buffer outside V8's heap, freed only when a
 * GC runs, and V8 lets such external memory reach its 64 MB soft limit before it forces one. So
 * RSS grows by up to ~64 MB of garbage whatever the file's size. Holding a file whole would
 * instead grow with it: the 150 MB file would add 100 MB more than the 50 MB one.
 */
let ctx: TestContext;
let server: StartedDoor;
let origin: string;
let dataDir: string;
let headers: Record<string, string>;
let ticketId: string;
beforeAll(async () => {
  ctx = await createTestContext();
  dataDir = await mkdtemp(join(tmpdir(), "tixgenius-memory-"));
  const port = await freePort();
  server = startNodeDoor({
    NODE_ENV: "test",
    PORT: String(port),
    DATA_DIR: dataDir,
    DATABASE_URL: ctx.directDatabaseUrl ?? "",
    UPSTASH_REDIS_REST_URL: inject("gatewayUrl"),
    UPSTASH_REDIS_REST_TOKEN: inject("gatewayToken"),
    JWT_SECRET: DEVELOPMENT_JWT_SECRET,
    LOG_LEVEL: "warn",
    ATTACHMENT_MAX_BYTES: String(160 * MB),
    ATTACHMENT_MAX_TICKET_BYTES: String(1024 * MB),
  });
  // LOG_LEVEL=warn hides "listening": wait for the port instead.
  origin = `http://127.0.0.1:${port}`;
  await waitForHealth(server, origin);
  const user = await createUser(ctx, { role: "reporter" });
  const login = await fetch(
    `${origin}/v1/auth/login`,
    jsonRequest("POST", { email: user.email, password: DEFAULT_PASSWORD }),
  );
  headers = { Authorization: `Bearer ${((await login.json()) as { accessToken: string }).accessToken}` };
  ticketId = (await insertTicket(ctx, { reporterId: user.id })).id;
}, 120_000);
afterAll(async () => {
  if (server && server.child.exitCode === null) server.child.kill("SIGKILL");
  await ctx?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function waitForHealth(started: StartedDoor, base: string) {
  const deadline = Date.now() + 100_000;
  while (Date.now() < deadline) {
    if (started.child.exitCode !== null) throw new Error(`server exited:\n${started.output()}`);
    try {
      if ((await fetch(`${base}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`server did not start:\n${started.output()}`);
}

/** The file, chunk by chunk: a PNG header, then bytes that differ per chunk. Never whole in memory. */
function* fileChunks(size: number): Generator<Uint8Array> {
  const header = pngBytes(4000, 3000, CHUNK - 33);
  yield header;
  for (let offset = CHUNK, index = 1; offset < size; offset += CHUNK, index++) {
    const chunk = new Uint8Array(Math.min(CHUNK, size - offset)).fill(index % 256);
    yield chunk;
  }
}

function sha256OfFile(size: number): string {
  const hash = createHash("sha256");
  for (const chunk of fileChunks(size)) hash.update(chunk);
  return hash.digest("hex");
}

async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return kb * 1024;
}

/** Samples the server's RSS every 20 ms while `work` runs; returns the peak. */
async function peakRssDuring(pid: number, work: () => Promise<void>): Promise<number> {
  let peak = await rssOf(pid);
  let done = false;
  const sampler = (async () => {
    while (!done) {
      peak = Math.max(peak, await rssOf(pid));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  try {
    await work();
  } finally {
    done = true;
    await sampler;
  }
  return Math.max(peak, await rssOf(pid));
}

/** PUTs the generated file with node:http, so the test itself streams it too. */
function putFile(url: string, contentType: string, size: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, {
      method: "PUT",
      headers: { "content-type": contentType, "content-length": String(size) },
    });
    outgoing.on("response", (response) => {
      response.resume();
      response.on("end", () => resolve(response.statusCode ?? 0));
    });
    outgoing.on("error", reject);
    (async () => {
      for (const chunk of fileChunks(size)) {
        if (!outgoing.write(chunk)) await new Promise((drain) => outgoing.once("drain", drain));
      }
      outgoing.end();
    })().catch(reject);
  });
}

async function fileOnce(
  size: number,
): Promise<{ uploaded: number; downloadedSha: string; downloadedBytes: number }> {
  const started = await fetch(
    `${origin}/v1/tickets/${ticketId}/attachments`,
    jsonRequest(
      "POST",
      { name: "big.png", size, contentType: "image/png", sha256: sha256OfFile(size) },
      headers,
    ),
  );
  expect(started.status).toBe(201);
  const { attachment, upload } = (await started.json()) as {
    attachment: { id: string };
    upload: { url: string };
  };
  const uploaded = await putFile(upload.url, "image/png", size);
  const done = await fetch(`${origin}/v1/tickets/${ticketId}/attachments/${attachment.id}/complete`, {
    method: "POST",
    headers,
  });
  expect(done.status).toBe(200);
  const link = (await (
    await fetch(`${origin}/v1/tickets/${ticketId}/attachments/${attachment.id}/download`, { headers })
  ).json()) as { url: string };
  const download = await fetch(link.url);
  const hash = createHash("sha256");
  let downloadedBytes = 0;
  for await (const chunk of download.body as unknown as AsyncIterable<Uint8Array>) {
    hash.update(chunk);
    downloadedBytes += chunk.byteLength;
  }
  return { uploaded, downloadedSha: hash.digest("hex"), downloadedBytes };
}

/** Peak RSS growth of the server over its RSS before, while one file of `size` goes through. */
async function growthFor(pid: number, size: number) {
  const baseline = await rssOf(pid);
  let result: Awaited<ReturnType<typeof fileOnce>> | undefined;
  const peak = await peakRssDuring(pid, async () => {
    result = await fileOnce(size);
  });
  expect(result).toMatchObject({ uploaded: 204, downloadedBytes: size, downloadedSha: sha256OfFile(size) });
  console.info(
    `${size / MB} MB upload+complete+download through the Node door: RSS before ${(baseline / MB).toFixed(1)} MB, peak ${(peak / MB).toFixed(1)} MB, growth ${((peak - baseline) / MB).toFixed(1)} MB`,
  );
  return peak - baseline;
}

describe("a 50 MB file through the API with the disk store", () => {
  it("streams: the server's RSS growth stays within V8's external-memory slack and does not grow with the file", async () => {
    const pid = server.child.pid ?? 0;
    // Warm-up: the first transfer loads the code paths and sizes the heap.
    await fileOnce(8 * MB);

    const growth50 = await growthFor(pid, 50 * MB);
    const growth150 = await growthFor(pid, 150 * MB);

    // Holding a file whole would add its size (150 MB) and more with copies.
    expect(growth50).toBeLessThan(80 * MB);
    expect(growth150).toBeLessThan(80 * MB);
    // The tripled file may not add the 100 MB a buffered file would.
    expect(growth150 - growth50).toBeLessThan(40 * MB);
  }, 300_000);
});
