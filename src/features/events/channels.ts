import type { events } from "../../db/schema.ts";

export type EventRow = typeof events.$inferSelect;

/** What is published on Redis and sent as an SSE message's `data:`. */
export interface EventEnvelope {
  id: number;
  type: EventRow["type"];
  ticketId: string;
  teamId: string | null;
  reporterId: string;
  assigneeId: string | null;
  /** Set on events for one user only (`notification.created`). */
  recipientId: string | null;
  visibility: "public" | "internal";
  payload: Record<string, unknown>;
  createdAt: string;
}

const PREFIX = "tix:events";

/**
 * An event goes to its team's channel (or the no-team channel) and to the channels of the
 * ticket's reporter and assignee, who see it whatever their teams. A subscriber listens to the
 * channels of its teams plus its own, and drops duplicates by id.
 */
export function channelsOf(
  event: Pick<EventEnvelope, "teamId" | "reporterId" | "assigneeId" | "recipientId">,
): string[] {
  // One user's event goes to that user's channel only: no team channel, so no admin pattern.
  if (event.recipientId) return [userChannel(event.recipientId)];
  const channels = [teamChannel(event.teamId), userChannel(event.reporterId)];
  if (event.assigneeId && event.assigneeId !== event.reporterId) channels.push(userChannel(event.assigneeId));
  return channels;
}

export const teamChannel = (teamId: string | null) => `${PREFIX}:team:${teamId ?? "none"}`;
export const userChannel = (userId: string) => `${PREFIX}:user:${userId}`;
/** Admins see every event: one pattern subscription over all team channels. */
export const ALL_TEAMS_PATTERN = `${PREFIX}:team:*`;

export function toEnvelope(row: EventRow): EventEnvelope {
  return {
    id: row.id,
    type: row.type,
    ticketId: row.ticketId,
    teamId: row.teamId,
    reporterId: row.reporterId,
    assigneeId: row.assigneeId,
    recipientId: row.recipientId,
    visibility: row.visibility,
    payload: row.payload as Record<string, unknown>,
    createdAt: row.createdAt.toISOString(),
  };
}
