import type { TicketRow } from "./access.ts";
import { ticketKey } from "./access.ts";
import type { Ticket } from "./schemas.ts";

const iso = (value: Date | null): string | null => (value ? value.toISOString() : null);

/** The public shape of a ticket row (the generated `search` column stays inside the database). */
export function toTicket(row: Omit<TicketRow, "search">): Ticket {
  return {
    id: row.id,
    key: ticketKey(row.number),
    title: row.title,
    description: row.description,
    status: row.status,
    priority: row.priority,
    categoryId: row.categoryId,
    teamId: row.teamId,
    reporterId: row.reporterId,
    assigneeId: row.assigneeId,
    tags: row.tags,
    dueAt: iso(row.dueAt),
    firstResponseDueAt: iso(row.firstResponseDueAt),
    resolutionDueAt: iso(row.resolutionDueAt),
    firstRespondedAt: iso(row.firstRespondedAt),
    resolvedAt: iso(row.resolvedAt),
    closedAt: iso(row.closedAt),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    version: row.version,
    deletedAt: iso(row.deletedAt),
  };
}
