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
  /**
   * Holds the next `count` requests at the door until the last of them has arrived, then lets
   * them all into the app in the same tick: a starting gun, so a race does not depend on how the
   * event loop happened to interleave the client's sends. Gives up waiting after `timeoutMs`.
   */
  startTogether(count: number, timeoutMs?: number): void;
  close(): Promise<void>;
}

/**
 * The test app behind a real Node HTTP server (the one `src/node.ts` uses) on a free loopback
 * port. It counts requests in flight, so a concurrency test can show its requests really
 * overlapped in the server rather than trusting that Promise.all made them concurrent.
 */
export async function startHttpServer(app: TestContext["app"]): Promise<HttpServer> {
  let inFlight = 0;
  let peak = 0;
  let gate: Gate | null = null;
  const fetch = async (request: Request, env: unknown) => {
    inFlight += 1;
    peak = Math.max(peak, inFlight);
    try {
      await gate?.arrive();
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
    startTogether(count, timeoutMs = 10_000) {
      const next = createGate(count, timeoutMs, () => {
        if (gate === next) gate = null;
      });
      gate = next;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

interface Gate {
  arrive(): Promise<void>;
}

function createGate(count: number, timeoutMs: number, onOpen: () => void): Gate {
  let arrived = 0;
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = () => {
      clearTimeout(timer);
      onOpen();
      resolve();
    };
  });
  const timer = setTimeout(() => open(), timeoutMs);
  return {
    arrive() {
      arrived += 1;
      if (arrived === count) open();
      return opened;
    },
  };
}
