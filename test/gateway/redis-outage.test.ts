import type { AddressInfo } from "node:net";
import { connect, createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { type RunningGateway, startGateway } from "../../src/gateway/server.ts";
import { eventually, post, realRedisUnavailable, redisUrl, TOKEN, uniquePrefix } from "./support.ts";

/** A TCP proxy in front of the shared Redis, so an outage can be staged without stopping Redis itself. */
class SwitchableProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly upstream: URL) {}

  async start(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(Number(this.upstream.port || 6379), this.upstream.hostname);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on("close", () => this.sockets.delete(socket));
        socket.on("error", () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, "127.0.0.1", resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }

  url(): string {
    const url = new URL(this.upstream);
    url.hostname = "127.0.0.1";
    url.port = String(this.port);
    return url.toString();
  }
}

async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await work();
  return { value, ms: Date.now() - started };
}

describe("a gateway whose Redis is out of reach", () => {
  let gateway: RunningGateway | undefined;
  let proxy: SwitchableProxy | undefined;
  afterEach(async () => {
    await gateway?.close();
    await proxy?.stop();
  });

  it("starts anyway and answers every route with a 503 JSON error within about a second", async () => {
    const deadUrl = `redis://127.0.0.1:${await unusedPort()}`;
    const started = await timed(() => startGateway({ token: TOKEN, backend: { redisUrl: deadUrl } }));
    gateway = started.value;
    expect(started.ms).toBeLessThan(2000);
    const requests: [string, unknown][] = [
      ["/", ["GET", "k"]],
      ["/pipeline", [["GET", "k"]]],
      ["/multi-exec", [["GET", "k"]]],
      ["/subscribe/channel", []],
    ];
    const concurrent = await timed(() =>
      Promise.all(Array.from({ length: 25 }, () => post(started.value, "/", ["INCR", "k"]))),
    );
    expect(concurrent.value.map((response) => response.status)).toEqual(Array(25).fill(503));
    expect(concurrent.ms).toBeLessThan(1500);
    for (const [path, body] of requests) {
      const { value, ms } = await timed(() => post(started.value, path, body));
      expect(value.status).toBe(503);
      expect(value.json).toEqual({ error: expect.stringMatching(/^ERR Redis is unreachable/) });
      expect(ms).toBeLessThan(1500);
    }
  });

  it.skipIf(realRedisUnavailable)(
    "fails fast while Redis is down and recovers on its own when it returns",
    async () => {
      proxy = new SwitchableProxy(new URL(redisUrl));
      await proxy.start();
      gateway = await startGateway({ token: TOKEN, backend: { redisUrl: proxy.url() } });
      const key = `${uniquePrefix("outage")}survivor`;
      expect((await post(gateway, "/", ["SET", key, "kept", "EX", "10"])).status).toBe(200);

      await proxy.stop();
      const during = await timed(() => post(gateway as RunningGateway, "/", ["GET", key]));
      expect(during.value.status).toBe(503);
      expect(during.ms).toBeLessThan(1500);

      await proxy.start();
      const after = await eventually(
        () => post(gateway as RunningGateway, "/", ["GET", key]),
        (response) => response.status === 200,
        5000,
      );
      expect(after).toEqual({ status: 200, json: { result: "kept" } });
      const transaction = await post(gateway, "/multi-exec", [["GET", key]]);
      expect(transaction).toEqual({ status: 200, json: [{ result: "kept" }] });
    },
  );
});
