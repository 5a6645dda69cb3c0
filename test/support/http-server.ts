import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { TestContext } from "./test-context.ts";

export interface HttpServer {
  url: string;
  /** Sends a request over a real socket: the path is joined to the server's URL. */
  request(path: string, init?: RequestInit): Promise<Response>;
  /** The most requests the server was handling at the same moment since the last reset. */
  peakInFlight(): number;
  resetPeak(): void;
  close(): Promise<void>;
}

/**
 * The test app behind a real Node HTTP server (the one `src/node.ts` uses) on a free loopback
 * port. It counts requests in flight, so a concurrency test can show its requests really overlapped
 * in the server rather than trusting that Promise.all made them concurrent.
 */
export async function startHttpServer(app: TestContext["app"]): Promise<HttpServer> {
  let inFlight = 0;
  let peak = 0;
  const fetch = async (request: Request, env: unknown) => {
    inFlight += 1;
    peak = Math.max(peak, inFlight);
    try {
      return await app.fetch(request, env as never);
    } finally {
      inFlight -= 1;
    }
  };
  const { server, url } = await new Promise<{ server: Server; url: string }>((resolve) => {
    const started = serve({ fetch, port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) =>
      resolve({ server: started, url: `http://127.0.0.1:${info.port}` }),
    ) as Server;
  });
  return {
    url,
    request: (path, init) => globalThis.fetch(`${url}${path}`, init),
    peakInFlight: () => peak,
    resetPeak: () => {
      peak = inFlight;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
