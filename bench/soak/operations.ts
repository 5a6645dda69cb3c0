import {
  commentOn,
  createTicket,
  listComments,
  listTickets,
  patchTicket,
  readTicket,
  searchTickets,
  type TrafficContext,
} from "./ticket-operations.ts";
import {
  type KnownTicket,
  type Role,
  refreshSession,
  remember,
  signInAgain,
  type VirtualUser,
} from "./users.ts";

export interface Operation {
  name: string;
  /** Relative share of the traffic. */
  weight: number;
  roles: readonly Role[];
  run(context: TrafficContext, user: VirtualUser): Promise<void>;
}

const EVERYONE: readonly Role[] = ["admin", "manager", "developer", "reporter"];
const LEADS: readonly Role[] = ["admin", "manager"];
type Assigned = { ticket: KnownTicket };
type Suggestions = { candidates: { userId: string }[] };

/**
 * Runs `work` on a ticket the user knows and `wants`; a user who knows none reads a list first,
 * as a client opening its ticket list would.
 */
function onTicket(
  work: (context: TrafficContext, user: VirtualUser, ticket: KnownTicket) => Promise<unknown>,
  wants: (ticket: KnownTicket, user: VirtualUser) => boolean = () => true,
) {
  return async (context: TrafficContext, user: VirtualUser) => {
    const candidates = [...user.tickets.values()].filter((ticket) => wants(ticket, user));
    if (candidates.length === 0) return listTickets(context, user);
    await work(context, user, context.random.pick(candidates));
  };
}

async function assign(context: TrafficContext, user: VirtualUser, ticket: KnownTicket, body: object) {
  const answer = await context.call<Assigned>(
    "POST /v1/tickets/:id/assignment",
    "POST",
    `/v1/tickets/${ticket.id}/assignment`,
    {
      token: user.accessToken,
      headers: { "if-match": `"${ticket.version}"`, "idempotency-key": crypto.randomUUID() },
      body,
    },
  );
  if (answer.status === 200 && answer.body) remember(user, answer.body.ticket);
}

/** A lead picks from the ranked suggestions, as the assignment dialog shows them. */
async function assignFromSuggestions(context: TrafficContext, user: VirtualUser, ticket: KnownTicket) {
  const answer = await context.call<Suggestions>(
    "GET /v1/tickets/:id/assignment/suggestions",
    "GET",
    `/v1/tickets/${ticket.id}/assignment/suggestions`,
    { token: user.accessToken },
  );
  const top = answer.status === 200 ? (answer.body?.candidates.slice(0, 3) ?? []) : [];
  if (top.length > 0) await assign(context, user, ticket, { assigneeId: context.random.pick(top).userId });
}

async function unassign(context: TrafficContext, user: VirtualUser, ticket: KnownTicket) {
  const answer = await context.call<Assigned>(
    "DELETE /v1/tickets/:id/assignment",
    "DELETE",
    `/v1/tickets/${ticket.id}/assignment`,
    { token: user.accessToken, headers: { "if-match": `"${ticket.version}"` } },
  );
  if (answer.status === 200 && answer.body) remember(user, answer.body.ticket);
}

const active = (ticket: KnownTicket) => ticket.status !== "closed" && ticket.status !== "resolved";
const ownOpen = (ticket: KnownTicket, user: VirtualUser) =>
  user.role !== "reporter" || (ticket.reporterId === user.userId && ticket.status === "open");

/** The traffic mix: mostly reads, then the writes a ticket desk makes, a few sign-ins and refreshes. */
export const OPERATIONS: readonly Operation[] = [
  { name: "list tickets", weight: 16, roles: EVERYONE, run: listTickets },
  { name: "search tickets", weight: 8, roles: EVERYONE, run: searchTickets },
  { name: "read ticket", weight: 18, roles: EVERYONE, run: onTicket(readTicket) },
  { name: "list comments", weight: 6, roles: EVERYONE, run: onTicket(listComments) },
  { name: "create ticket", weight: 8, roles: EVERYONE, run: createTicket },
  { name: "patch ticket", weight: 12, roles: EVERYONE, run: onTicket(patchTicket, ownOpen) },
  { name: "comment", weight: 9, roles: EVERYONE, run: onTicket(commentOn) },
  {
    name: "auto-assign",
    weight: 3,
    roles: LEADS,
    run: onTicket((context, user, ticket) => assign(context, user, ticket, { strategy: "auto" }), active),
  },
  { name: "assign from suggestions", weight: 3, roles: LEADS, run: onTicket(assignFromSuggestions, active) },
  {
    name: "assign self",
    weight: 2,
    roles: ["developer"],
    run: onTicket(
      (context, user, ticket) => assign(context, user, ticket, { assigneeId: user.userId }),
      (ticket) => active(ticket) && ticket.assigneeId === null,
    ),
  },
  {
    name: "unassign",
    weight: 3,
    roles: LEADS,
    run: onTicket(unassign, (ticket) => ticket.assigneeId !== null),
  },
  { name: "sign in", weight: 2, roles: EVERYONE, run: (context, user) => signInAgain(context.call, user) },
  { name: "refresh", weight: 3, roles: EVERYONE, run: (context, user) => refreshSession(context.call, user) },
];

/** One step of traffic: an operation by its weight, then a user allowed to perform it. */
export function nextStep(context: TrafficContext, users: readonly VirtualUser[]): () => Promise<void> {
  const operation = pickWeighted(context, OPERATIONS);
  const user = context.random.pick(users.filter((candidate) => operation.roles.includes(candidate.role)));
  return () => operation.run(context, user);
}

function pickWeighted(context: TrafficContext, operations: readonly Operation[]): Operation {
  const total = operations.reduce((sum, operation) => sum + operation.weight, 0);
  let roll = context.random.next() * total;
  for (const operation of operations) {
    roll -= operation.weight;
    if (roll < 0) return operation;
  }
  return operations.at(-1) as Operation;
}
