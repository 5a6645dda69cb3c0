import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface PageServer {
  origin: string;
  close(): Promise<void>;
}

/**
 * The frontend's own origin: a bare page on another port than the API's, so that every call the
 * snippets make is cross-origin (CORS, credentials) as it is for a real single-page app. Same
 * host, so same site: the SameSite=Strict refresh cookie travels, as between app. and api. hosts.
 */
export async function startPageServer(): Promise<PageServer> {
  const server = createServer((request, response) => {
    if (request.url !== "/") {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
    response.end('<!doctype html><meta charset="utf-8"><title>TixGenius frontend</title><body></body>');
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
