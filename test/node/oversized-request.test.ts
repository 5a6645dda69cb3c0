import { mkdtemp, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, type StartedDoor, startNodeDoor, waitForListening } from "../support/node-door.ts";

interface RawExchange {
  head: string;
  headers: Map<string, string>;
  body: string;
  /** The socket error the client saw (ECONNRESET for a reset), if any. */
  error: string | undefined;
}

/** Writes `request` over a real socket and reads until the server closes the connection. */
function exchange(port: number, request: string): Promise<RawExchange> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let error: string | undefined;
    const socket = connect(port, "127.0.0.1", () => socket.write(request));
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", (cause: NodeJS.ErrnoException) => {
      error = cause.code ?? cause.message;
    });
    socket.on("close", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const split = text.indexOf("\r\n\r\n");
      const [head = "", ...lines] = (split < 0 ? text : text.slice(0, split)).split("\r\n");
      const headers = new Map(
        lines.map((line) => [
          line.slice(0, line.indexOf(":")).toLowerCase(),
          line.slice(line.indexOf(":") + 1).trim(),
        ]),
      );
      resolve({ head, headers, body: split < 0 ? "" : text.slice(split + 4), error });
    });
  });
}

let port: number;
let door: StartedDoor;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "tixgenius-oversized-"));
  port = await freePort();
  door = startNodeDoor({ NODE_ENV: "development", PORT: String(port), DATA_DIR: dataDir });
  await waitForListening(door, 100_000);
}, 120_000);

afterAll(async () => {
  if (door.child.exitCode === null) {
    door.child.kill("SIGTERM");
    await door.exited;
  }
  await rm(dataDir, { recursive: true, force: true });
});

function expectTooLargeProblem(answer: RawExchange): void {
  expect(answer.error).toBeUndefined();
  expect(answer.head).toMatch(/^HTTP\/1\.1 431 /);
  expect(answer.headers.get("content-type")).toBe("application/problem+json");
  expect(answer.headers.get("connection")).toBe("close");
  const problem = JSON.parse(answer.body) as Record<string, unknown>;
  expect(problem).toMatchObject({ status: 431, code: "request_header_fields_too_large" });
  expect(problem.type).toBe("urn:tixgenius:problem:request_header_fields_too_large");
  expect(typeof problem.requestId).toBe("string");
}

describe("a request over Node's 16 KiB header limit, on the real Node door", () => {
  it("answers a 100 KiB URL with a 431 problem and closes without a reset", async () => {
    const url = `/v1/tickets?q=${"a".repeat(100 * 1024)}`;
    expectTooLargeProblem(await exchange(port, `GET ${url} HTTP/1.1\r\nHost: localhost\r\n\r\n`));
  });

  it("answers a 20 KiB header with a 431 problem and closes without a reset", async () => {
    const request = `GET /health HTTP/1.1\r\nHost: localhost\r\nX-Filler: ${"b".repeat(20 * 1024)}\r\n\r\n`;
    expectTooLargeProblem(await exchange(port, request));
  });

  it("keeps serving ordinary requests afterwards", async () => {
    await exchange(port, `GET /${"c".repeat(64 * 1024)} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
  });
});
