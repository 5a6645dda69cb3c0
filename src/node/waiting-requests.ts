import type { Server, ServerResponse } from "node:http";

export interface WaitingRequests {
  /** Requests received whose answer has not started: an open event stream has started and is not counted. */
  count(): number;
}

/**
 * Counts the requests a server is still working on, so that background work (the job loop) can
 * give way while callers wait. A response counts until its headers are sent: a normal answer is
 * then all but done, and a live event stream, which stays open for hours, is idle.
 */
export function trackWaitingRequests(server: Server): WaitingRequests {
  const open = new Set<ServerResponse>();
  server.on("request", (_request, response: ServerResponse) => {
    open.add(response);
    response.once("close", () => open.delete(response));
  });
  return {
    // An answered response never becomes unanswered: it leaves the set at the first count after
    // its headers went out, so open event streams are not walked again on every claim.
    count() {
      for (const response of open) if (response.headersSent) open.delete(response);
      return open.size;
    },
  };
}
