import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface MailApiCapture {
  /** Where the Worker's mail adapter posts (MAIL_API_URL). */
  url: string;
  /** GET it for every request received so far, as JSON: `{ headers, body }[]`. */
  capturedUrl: string;
  close(): Promise<void>;
}

/**
 * A stand-in for the HTTP mail provider (Resend) on a loopback port, which Miniflare can reach:
 * it answers each send like Resend (200 and an id) and keeps the request for the test to read.
 */
export async function startMailApiCapture(): Promise<MailApiCapture> {
  const captured: { headers: Record<string, unknown>; body: unknown }[] = [];
  const server = createServer((request, response) => {
    if (request.method === "GET" && request.url === "/captured") {
      response.writeHead(200, { "Content-Type": "application/json" });
      response.end(JSON.stringify(captured));
      return;
    }
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      captured.push({ headers: request.headers, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) });
      response.writeHead(200, { "Content-Type": "application/json" });
      response.end(JSON.stringify({ id: crypto.randomUUID() }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/emails`,
    capturedUrl: `http://127.0.0.1:${port}/captured`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
