import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { type RunningGateway, startGateway } from "../../src/gateway/server.ts";
import { FaultProxy } from "../support/fault-proxy.ts";
import { eventually, timed } from "../support/faults.ts";
import { post, realRedisUnavailable, redisUrl, TOKEN, uniquePrefix } from "./support.ts";

async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("a gateway whose Redis is out of reach", () => {
  let gateway: RunningGateway | undefined;
  let proxy: FaultProxy | undefined;
  afterEach(async () => {
    await gateway?.close();
    await proxy?.close();
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
      proxy = await FaultProxy.start(redisUrl);
      gateway = await startGateway({ token: TOKEN, backend: { redisUrl: proxy.urlFor(redisUrl) } });
      const key = `${uniquePrefix("outage")}survivor`;
      expect((await post(gateway, "/", ["SET", key, "kept", "EX", "10"])).status).toBe(200);

      await proxy.down();
      const during = await timed(() => post(gateway as RunningGateway, "/", ["GET", key]));
      expect(during.value.status).toBe(503);
      expect(during.ms).toBeLessThan(1500);

      await proxy.up();
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
