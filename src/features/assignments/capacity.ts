import type { Database } from "../../db/database.ts";
import type { Actor } from "../../lib/actor.ts";
import { ConflictError } from "../../lib/errors.ts";
import { OPEN_LOAD_STATUSES } from "../developers/queries.ts";
import type { TicketRow } from "../tickets/access.ts";
import { assertUnderCapacity } from "./rules.ts";
import { lockDeveloperProfiles } from "./team-developers.ts";

type Tx = Pick<Database, "select" | "insert">;

export function countsAsLoad(status: string): boolean {
  return (OPEN_LOAD_STATUSES as readonly string[]).includes(status);
}

/**
 * A ticket coming back into its assignee's open load (resolved → in_progress, closed → open, the
 * restore of a deleted one) takes a slot exactly as an assignment does: the profile row is locked
 * after the ticket row (the order assignTicket uses), then the load counted, so a burst of returns
 * and assignments never pushes anyone past capacity. Over capacity is 409 `at_capacity`; there is
 * no override: a manager unassigns or reassigns first. Reporters are not told the staff's numbers.
 */
export async function assertRoomToReturn(
  tx: Tx,
  actor: Pick<Actor, "role">,
  ticket: TicketRow,
  next: { status: string; deleted: boolean },
): Promise<void> {
  if (!ticket.assigneeId) return;
  const before = ticket.deletedAt === null && countsAsLoad(ticket.status);
  const after = !next.deleted && countsAsLoad(next.status);
  if (before || !after) return;
  await lockDeveloperProfiles(tx, [ticket.assigneeId]);
  try {
    await assertUnderCapacity(tx, ticket.assigneeId, ticket.id);
  } catch (error) {
    if (actor.role !== "reporter" || !(error instanceof ConflictError)) throw error;
    throw new ConflictError(
      "The ticket's assignee has no room for it now; ask the team to take it back.",
      "at_capacity",
    );
  }
}
