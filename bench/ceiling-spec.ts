import type { Statement } from "./capture.ts";

/** What a ceiling process serves for one endpoint (written to a JSON file it reads at start). */
export interface CeilingRoute {
  kind: "ticket" | "list";
  /** Exact request path for lists; tickets match /v1/tickets/:id. */
  path: string;
  /** The API's response bytes (the HTTP ceiling answers with them). */
  body: string;
  statements: Statement[];
  /** Captured values the raw ceiling replaces with the caller's user id and the requested ticket id. */
  userId: string;
  ticketId?: string;
  limit?: number;
  orderingName?: string;
}
