import type { Random } from "../../src/db/seed/prng.ts";
import { TRANSITIONS } from "../../src/features/tickets/workflow.ts";
import type { ApiCall } from "./api-client.ts";
import { type KnownTicket, remember, type VirtualUser } from "./users.ts";

export interface TrafficContext {
  call: ApiCall;
  random: Random;
  categoryIds: readonly string[];
  /** Makes request bodies unique within and across runs. */
  runTag: string;
}

type Page = { data: KnownTicket[] };
const SEARCH_WORDS = [
  "login",
  "export",
  "payment",
  "timeout",
  "checkout",
  "crash",
  "refund",
  "search",
  "sync",
];
const LIST_QUERIES = [
  "limit=25",
  "status=open,in_progress&limit=25",
  "assigneeId=me&limit=25",
  "sort=-updatedAt&limit=50",
  "priority=high,urgent&sort=dueAt&limit=25",
];

export async function listTickets(context: TrafficContext, user: VirtualUser): Promise<void> {
  const query = context.random.pick(LIST_QUERIES);
  const answer = await context.call<Page>("GET /v1/tickets", "GET", `/v1/tickets?${query}`, {
    token: user.accessToken,
  });
  for (const ticket of answer.body?.data ?? []) remember(user, ticket);
}

export async function searchTickets(context: TrafficContext, user: VirtualUser): Promise<void> {
  const word = context.random.pick(SEARCH_WORDS);
  const answer = await context.call<Page>("GET /v1/tickets?q=", "GET", `/v1/tickets?q=${word}&limit=20`, {
    token: user.accessToken,
  });
  for (const ticket of answer.body?.data ?? []) remember(user, ticket);
}

/** Reads one ticket; a third of the reads revalidate with If-None-Match, as a cached client does. */
export async function readTicket(context: TrafficContext, user: VirtualUser, ticket: KnownTicket) {
  const revalidate = context.random.chance(0.3);
  const answer = await context.call<KnownTicket>("GET /v1/tickets/:id", "GET", `/v1/tickets/${ticket.id}`, {
    token: user.accessToken,
    headers: revalidate ? { "if-none-match": `"${ticket.version}"` } : {},
  });
  if (answer.status === 200 && answer.body) remember(user, answer.body);
  else if (answer.status === 404) user.tickets.delete(ticket.id);
}

export async function listComments(context: TrafficContext, user: VirtualUser, ticket: KnownTicket) {
  await context.call("GET /v1/tickets/:id/comments", "GET", `/v1/tickets/${ticket.id}/comments?limit=20`, {
    token: user.accessToken,
  });
}

export async function createTicket(context: TrafficContext, user: VirtualUser): Promise<void> {
  const { random } = context;
  const answer = await context.call<KnownTicket>("POST /v1/tickets", "POST", "/v1/tickets", {
    token: user.accessToken,
    headers: { "idempotency-key": crypto.randomUUID() },
    body: {
      title: `Soak ${context.runTag}: ${random.pick(SEARCH_WORDS)} fails for ${user.role} #${random.int(1, 1e6)}`,
      description: "Created by the soak run: steady mixed traffic against the real stack.",
      priority: random.pick(["low", "medium", "medium", "high", "urgent"]),
      categoryId: random.pick(context.categoryIds),
      tags: [random.pick(["soak", "load", "regression", "perf"])],
    },
  });
  if (answer.status === 201 && answer.body) remember(user, answer.body);
}

/**
 * A conditional PATCH with the version last read. Whoever may step the workflow (assignee,
 * manager, admin) usually does; others edit fields (reporters only their own open tickets).
 */
export async function patchTicket(context: TrafficContext, user: VirtualUser, ticket: KnownTicket) {
  const { random } = context;
  // An assignee takes any step but the reopen of a closed ticket (its reporter's or a manager's).
  const stepsWorkflow =
    user.role === "admin" ||
    user.role === "manager" ||
    (ticket.assigneeId === user.userId && ticket.status !== "closed");
  const body =
    stepsWorkflow && random.chance(0.7)
      ? { status: random.pick(TRANSITIONS[ticket.status]) }
      : user.role === "reporter"
        ? { title: `Soak ${context.runTag}: still broken (${random.int(1, 1e6)})` }
        : {
            priority: random.pick(["low", "medium", "high", "urgent"]),
            tags: ["soak", `p${random.int(1, 9)}`],
          };
  const answer = await context.call<KnownTicket & { currentVersion?: number }>(
    "PATCH /v1/tickets/:id",
    "PATCH",
    `/v1/tickets/${ticket.id}`,
    { token: user.accessToken, headers: { "if-match": `"${ticket.version}"` }, body },
  );
  if (answer.status === 200 && answer.body) remember(user, answer.body);
  // A stale version: re-read before trying again, as a client showing the conflict would.
  else if (answer.status === 412) await readTicket(context, user, ticket);
}

export async function commentOn(context: TrafficContext, user: VirtualUser, ticket: KnownTicket) {
  const internal = user.role !== "reporter" && context.random.chance(0.3);
  await context.call("POST /v1/tickets/:id/comments", "POST", `/v1/tickets/${ticket.id}/comments`, {
    token: user.accessToken,
    headers: { "idempotency-key": crypto.randomUUID() },
    body: {
      body: `Soak ${context.runTag}: ${internal ? "internal note" : "update"} ${context.random.int(1, 1e6)}`,
      visibility: internal ? "internal" : "public",
    },
  });
}
