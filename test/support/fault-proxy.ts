import { type AddressInfo, connect, createServer, type Server, type Socket } from "node:net";

/**
 * A TCP proxy in front of a real server (PostgreSQL, Redis, the Upstash gateway) that stages the
 * faults a network and a dying server produce, without touching the server itself:
 * - `cut()` closes every open connection (a crash, a killed session); new ones are still accepted;
 * - `down()` cuts and then refuses new connections (ECONNREFUSED, a stopped server);
 * - `up()` accepts again on the same port, so clients recover without being reconfigured;
 * - `latencyMs` delays every chunk in both directions (a slow link or an overloaded server).
 */
export class FaultProxy {
  /** Added to every chunk in each direction; change it at any time. */
  latencyMs = 0;
  /** Connections accepted so far, to tell that a client really reconnected. */
  accepted = 0;
  /** Sees every chunk a client sends as it arrives, to stage a fault at an exact step. */
  onClientData: ((chunk: Buffer) => void) | undefined;
  private server: Server | undefined;
  private readonly open = new Set<Socket>();
  /** The accepted half of each open connection: what a client's own socket is connected to. */
  private readonly clients = new Set<Socket>();

  private constructor(
    private readonly upstream: { host: string; port: number },
    public port: number,
  ) {}

  static async start(upstreamUrl: string): Promise<FaultProxy> {
    const url = new URL(upstreamUrl);
    const defaultPort = url.protocol.startsWith("postgres") ? 5432 : url.protocol === "http:" ? 80 : 6379;
    const proxy = new FaultProxy({ host: url.hostname, port: Number(url.port || defaultPort) }, 0);
    await proxy.up();
    return proxy;
  }

  /** `url` with its host and port replaced by the proxy's. */
  urlFor(url: string): string {
    const proxied = new URL(url);
    proxied.hostname = "127.0.0.1";
    proxied.port = String(this.port);
    return proxied.toString().replace(/\/$/, "");
  }

  get openConnections(): number {
    return this.clients.size;
  }

  async up(): Promise<void> {
    if (this.server) return;
    const server = createServer((client) => this.relay(client));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /**
   * Closes every open connection on both sides, as a server that dies or ends a session does.
   * A FIN, not a reset: postgres.js leaves a query unsettled when it is sent between a reset
   * socket's error and its close (see test/hardening/README.md).
   */
  cut(): void {
    for (const socket of this.open) socket.destroy();
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.cut();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  close(): Promise<void> {
    return this.down();
  }

  private relay(client: Socket): void {
    this.accepted += 1;
    const server = connect(this.upstream.port, this.upstream.host);
    this.clients.add(client);
    client.on("close", () => this.clients.delete(client));
    for (const socket of [client, server]) {
      this.open.add(socket);
      socket.on("error", () => {});
      socket.on("close", () => this.open.delete(socket));
    }
    client.on("data", (chunk: Buffer) => this.onClientData?.(chunk));
    this.forward(client, server);
    this.forward(server, client);
  }

  /**
   * Copies `from` to `to`, each chunk no earlier than `latencyMs` after it arrived and in order;
   * when `from` ends, `to` ends once the queue is empty; when it fails, `to` is reset too.
   */
  private forward(from: Socket, to: Socket): void {
    const queue: { chunk: Buffer; dueAt: number }[] = [];
    let timer: NodeJS.Timeout | undefined;
    let ended = false;
    const flush = () => {
      timer = undefined;
      while (queue.length > 0 && (queue[0]?.dueAt ?? 0) <= Date.now()) {
        const next = queue.shift();
        if (next && !to.destroyed) to.write(next.chunk);
      }
      if (queue.length > 0) timer = setTimeout(flush, (queue[0]?.dueAt ?? 0) - Date.now()).unref();
      else if (ended && !to.destroyed) to.end();
    };
    from.on("data", (chunk: Buffer) => {
      if (this.latencyMs === 0 && queue.length === 0) {
        if (!to.destroyed) to.write(chunk);
        return;
      }
      queue.push({ chunk, dueAt: Date.now() + this.latencyMs });
      timer ??= setTimeout(flush, this.latencyMs).unref();
    });
    from.on("close", (hadError) => {
      ended = true;
      if (hadError) {
        clearTimeout(timer);
        to.destroy();
      } else {
        timer ??= setTimeout(flush, 0);
      }
    });
  }
}
