import { type AnyColumn, type SQL, sql } from "drizzle-orm";
import { teamMembers, users } from "../../db/schema.ts";

type Value = AnyColumn | SQL | string | null;

/** A ticket as far as seeing it goes: columns of a joined `tickets` row, or known values. */
export interface TicketAudience {
  teamId: Value;
  reporterId: Value;
  assigneeId: Value;
}

/**
 * Whether the `users` row in scope may see the ticket and, for `internal`, an internal comment:
 * visibleTickets (src/features/tickets/access.ts) as a condition over the USER instead of the
 * ticket, so one set-based statement can decide for every recipient at once, and the inbox and
 * its counts apply the same rule at read time (a watcher who left the team reads nothing more).
 * Admins see all; everyone the tickets they reported; managers and developers the tickets they
 * are assigned, developers their teams', managers the teams they lead. Disabled users see nothing.
 * Keep this and visibleTickets together.
 */
export function userSeesTicket(ticket: TicketAudience, visibility: Value = "public"): SQL {
  return sql`(${users.status} = 'active'
    and (${visibility} = 'public' or ${users.role} <> 'reporter')
    and (
      ${users.role} = 'admin'
      or ${users.id} = ${ticket.reporterId}
      or (${users.role} <> 'reporter' and (
        ${users.id} = ${ticket.assigneeId}
        or exists (
          select 1 from ${teamMembers}
          where ${teamMembers.teamId} = ${ticket.teamId}
            and ${teamMembers.userId} = ${users.id}
            and (${users.role} = 'developer' or ${teamMembers.role} = 'lead')
        )
      ))
    ))`;
}
