import { sql } from "drizzle-orm";
import { tickets } from "../../db/schema.ts";
import type { Deps } from "../../deps.ts";
import { PreconditionFailedError } from "../../lib/errors.ts";
import type { TicketRow } from "./access.ts";
import { toTicket } from "./presenter.ts";

export type Tx = Parameters<Parameters<Deps["db"]["transaction"]>[0]>[0];

/** What audit rows keep of a ticket: its fields, not the bookkeeping that changes on every write. */
export function auditView(row: Omit<TicketRow, "search">): Record<string, unknown> {
  const { updatedAt: _updatedAt, version: _version, ...fields } = toTicket(row);
  return fields;
}

/** `createdAt + minutes`, computed by the database so it matches the stored createdAt exactly. */
export function slaDue(from: "now" | "created", minutes: number) {
  const start = from === "now" ? sql`now()` : sql`${tickets.createdAt}`;
  return sql`${start} + make_interval(mins => ${minutes}::int)`;
}

export function assertVersion(current: TicketRow, expectedVersion: number | undefined): void {
  if (expectedVersion !== undefined && current.version !== expectedVersion) {
    throw new PreconditionFailedError("The ticket changed since you read it.", {
      currentVersion: current.version,
    });
  }
}
