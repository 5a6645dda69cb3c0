import type { Statement } from "./capture.ts";

/** What a ceiling process serves for one endpoint (written to a JSON file it reads at start). */
export interface CeilingRoute {
  /** Reads (one ticket, a list) and writes (a PATCH, a create, a comment, a login). */
  kind: "ticket" | "list" | "update" | "create" | "comment" | "login";
  method: "GET" | "POST" | "PATCH";
  /** Exact request path, or /v1/tickets/:id (and /v1/tickets/:id/comments) for one ticket. */
  path: string;
  /** The API's status and response bytes (the HTTP ceiling answers with them). */
  status: number;
  body: string;
  statements: Statement[];
  /** Captured values the raw ceiling replaces with the caller's user id and the requested ticket id. */
  userId: string;
  ticketId?: string;
  /** The If-Match version the captured PATCH sent; the raw ceiling puts the request's in its place. */
  version?: number;
  limit?: number;
  orderingName?: string;
}
