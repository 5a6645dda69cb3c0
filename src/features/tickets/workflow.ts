import { ConflictError } from "../../lib/errors.ts";
import type { TicketStatus } from "./schemas.ts";

/**
 * The status workflow: open → in_progress → resolved → closed, blocked ↔ in_progress, resolved →
 * in_progress (reopen) and closed → open (reopen). Who may take which step is decided in
 * permissions.ts; this only says which steps exist.
 */
export const TRANSITIONS: Readonly<Record<TicketStatus, readonly TicketStatus[]>> = {
  open: ["in_progress"],
  in_progress: ["blocked", "resolved"],
  blocked: ["in_progress"],
  resolved: ["closed", "in_progress"],
  closed: ["open"],
};

/** 409 with the steps that do exist from `from`, so a client can offer them instead. */
export function assertTransition(from: TicketStatus, to: TicketStatus): void {
  if (from === to || TRANSITIONS[from].includes(to)) return;
  throw new ConflictError(
    `A ticket cannot go from ${from} to ${to}; allowed from ${from}: ${TRANSITIONS[from].join(", ")}.`,
    "invalid_status_transition",
    { from, to, allowed: [...TRANSITIONS[from]] },
  );
}

/** The timestamps a step sets or clears: entering resolved/closed stamps them, a reopen clears them. */
export function statusTimestamps<Now>(
  from: TicketStatus,
  to: TicketStatus,
  now: Now,
): { resolvedAt?: Now | null; closedAt?: Now | null } {
  if (from === to) return {};
  if (to === "resolved") return { resolvedAt: now };
  if (to === "closed") return { closedAt: now };
  if (from === "resolved" && to === "in_progress") return { resolvedAt: null };
  if (from === "closed" && to === "open") return { resolvedAt: null, closedAt: null };
  return {};
}
