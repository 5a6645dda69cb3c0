import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { events } from "../../src/db/schema.ts";
import { teamChannel } from "../../src/features/events/channels.ts";
import { recordEvent } from "../../src/features/events/record.ts";
import { startEventRelayLoop } from "../../src/node/event-relay.ts";
import { listen, sleep } from "../support/factories/events.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

async function unpublishedEvent(teamId: string): Promise<number> {
  const ticket = { id: randomUUID(), teamId, reporterId: randomUUID(), assigneeId: null };
  return ctx.deps.db.transaction((tx) =>
    recordEvent(tx, { type: "ticket.updated", ticket, payload: { id: ticket.id } }),
  );
}

async function publishedAt(id: number) {
  const [row] = await ctx.deps.db
    .select({ publishedAt: events.publishedAt })
    .from(events)
    .where(eq(events.id, id));
  return row?.publishedAt;
}

describe("the Node relay loop", () => {
  it("publishes what publishing after commit left behind, and stops publishing once stopped", async () => {
    const teamId = randomUUID();
    const listener = listen(ctx.deps.redis, [teamChannel(teamId)]);
    await listener.ready;
    const loop = startEventRelayLoop(ctx.deps, { intervalMs: 100 });

    const first = await unpublishedEvent(teamId);
    await listener.until((got) => got.some((event) => event.id === first), 2000);
    expect(await publishedAt(first)).toBeInstanceOf(Date);

    await loop.stop();
    const second = await unpublishedEvent(teamId);
    await sleep(400);
    await listener.close();
    expect(await publishedAt(second)).toBeNull();
    expect(listener.received.map((event) => event.id)).toEqual([first]);
    expect(ctx.logs).toContainEqual(expect.objectContaining({ msg: "event relay stopped" }));
  });

  it("waits for a run in progress before stop() resolves, so the database can close after it", async () => {
    let runs = 0;
    let inRun = false;
    const db = ctx.deps.db;
    const slowDb = new Proxy(db, {
      get(target, property, receiver) {
        if (property !== "transaction") return Reflect.get(target, property, receiver);
        return async (work: Parameters<typeof db.transaction>[0]) => {
          runs += 1;
          inRun = true;
          try {
            await sleep(300);
            return await target.transaction(work);
          } finally {
            inRun = false;
          }
        };
      },
    });
    const loop = startEventRelayLoop({ ...ctx.deps, db: slowDb }, { intervalMs: 10 });
    while (!inRun) await sleep(5);

    await loop.stop();
    expect(inRun).toBe(false);
    const runsAtStop = runs;
    await sleep(100);
    expect(runs).toBe(runsAtStop);
  });
});

describe("the Node door", () => {
  it("starts the relay and job loops and stops them on SIGTERM before releasing the database", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "tixgenius-relay-"));
    const port = await freePort();
    let output = "";
    const child = spawn(process.execPath, ["--import", "tsx", "src/node.ts"], {
      cwd: new URL("../..", import.meta.url).pathname,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        NODE_ENV: "development",
        PORT: String(port),
        DATA_DIR: dataDir,
        EVENT_RELAY_INTERVAL_MS: "100",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    for (const stream of [child.stdout, child.stderr]) stream?.on("data", (chunk) => (output += chunk));
    try {
      const deadline = Date.now() + 30_000;
      while (!output.includes('"msg":"listening"')) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no start:\n${output}`);
        await sleep(100);
      }
      await sleep(300); // a few relay turns
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
      await rm(dataDir, { recursive: true, force: true });
    }
    const messages = output
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => (JSON.parse(line) as { msg: string }).msg);
    expect(messages).toContain("event relay started");
    expect(messages.indexOf("event relay stopped")).toBeGreaterThan(messages.indexOf("shutting down"));
    expect(messages.indexOf("event relay stopped")).toBeLessThan(messages.indexOf("shutdown complete"));
    // The job loop (src/node/job-loop.ts) starts and stops beside the relay.
    expect(messages).toContain("job loop started");
    expect(messages.indexOf("job loop stopped")).toBeGreaterThan(messages.indexOf("shutting down"));
    expect(messages.indexOf("job loop stopped")).toBeLessThan(messages.indexOf("shutdown complete"));
    expect(messages.filter((msg) => msg.includes("failed"))).toEqual([]);
  }, 45_000);
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
