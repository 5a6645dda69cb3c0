import type postgres from "postgres";
import type { Captured } from "./capture.ts";
import type { CeilingRoute } from "./ceiling-spec.ts";
import type { LoadSpec } from "./load.ts";
import { BENCH_MANAGER, seedWatchedTickets } from "./seed.ts";

export interface Scenario {
  name: string;
  load: Omit<LoadSpec, "url" | "connections" | "durationSeconds">;
  /** The request captured once in-process (SQL, Redis round trips, response bytes). */
  sample: { path: string; init: RequestInit };
  /** Every endpoint is measured against both ceilings, built from its captured request. */
  ceiling: Omit<CeilingRoute, "status" | "body" | "statements" | "userId">;
}

export interface Caller {
  token: string;
  userId: string;
}

const SEARCH_WORD = "timeout";
/** Issue 13's cost: a comment on a ticket with this many watchers is one set-based insert. */
export const COMMENT_WATCHERS = 50;
const WATCHED_TICKETS = 4;

/** The endpoints, in the order they run: reads first, so writes do not change what they read. */
export async function buildScenarios(sql: postgres.Sql, caller: Caller): Promise<Scenario[]> {
  const pool = await sql<{ id: string; version: number }[]>`
    select t.id, t.version from tickets t join teams on teams.id = t.team_id
    where teams.name in ('Team 01', 'Team 02') and t.deleted_at is null order by t.number limit 2000`;
  const [team] = await sql<{ id: string }[]>`select id from teams where name = 'Team 01'`;
  const first = pool[0];
  if (!first || !team) throw new Error("bench database has no tickets in the manager's teams");
  const auth = { authorization: `Bearer ${caller.token}` };
  const get = (path: string): Scenario["sample"] => ({ path, init: { headers: auth } });
  const ticketPaths = pool.map((ticket) => `/v1/tickets/${ticket.id}`);
  const statusPath = "/v1/tickets?status=open&limit=50";
  const searchPath = `/v1/tickets?q=${SEARCH_WORD}&limit=20`;
  const titles = Array.from(
    { length: 50 },
    (_, index) => `Checkout ${index} times out on slow networks ({{unique}})`,
  );
  const createBodies = titles.map((title, index) =>
    JSON.stringify({
      title,
      description: "Bench: created under load.",
      priority: "high",
      teamId: team.id,
      tags: [`bench${index % 5}`],
    }),
  );
  const loginBody = JSON.stringify({ email: BENCH_MANAGER.email, password: BENCH_MANAGER.password });
  const json = { ...auth, "content-type": "application/json" };
  const watched = await seedWatchedTickets(sql, WATCHED_TICKETS, COMMENT_WATCHERS);
  const commentBodies = titles.map((title) => JSON.stringify({ body: title, visibility: "public" }));
  return [
    {
      name: "GET /v1/tickets/:id",
      load: { method: "GET", paths: ticketPaths, headers: auth },
      sample: get(`/v1/tickets/${first.id}`),
      ceiling: { kind: "ticket", method: "GET", path: "/v1/tickets/:id", ticketId: first.id },
    },
    {
      name: "GET /v1/tickets?status=open&limit=50",
      load: { method: "GET", paths: [statusPath], headers: auth },
      sample: get(statusPath),
      ceiling: { kind: "list", method: "GET", path: statusPath, limit: 50, orderingName: "-createdAt" },
    },
    {
      name: `GET /v1/tickets?q=${SEARCH_WORD}&limit=20`,
      load: { method: "GET", paths: [searchPath], headers: auth },
      sample: get(searchPath),
      ceiling: { kind: "list", method: "GET", path: searchPath, limit: 20, orderingName: "relevance" },
    },
    {
      name: "POST /v1/auth/login",
      load: { method: "POST", paths: ["/v1/auth/login"], bodies: [loginBody], headers: {} },
      sample: {
        path: "/v1/auth/login",
        init: { method: "POST", headers: { "content-type": "application/json" }, body: loginBody },
      },
      ceiling: { kind: "login", method: "POST", path: "/v1/auth/login" },
    },
    {
      name: "PATCH /v1/tickets/:id (If-Match)",
      load: {
        method: "PATCH",
        paths: ticketPaths.slice(1),
        bodies: titles.map((title) => JSON.stringify({ title })),
        headers: auth,
        ifMatch: Object.fromEntries(
          pool.slice(1).map((ticket) => [`/v1/tickets/${ticket.id}`, ticket.version]),
        ),
      },
      sample: {
        path: `/v1/tickets/${first.id}`,
        init: {
          method: "PATCH",
          headers: { ...json, "if-match": `"${first.version}"` },
          body: JSON.stringify({ title: `Patched by the bench at ${new Date().toISOString()}` }),
        },
      },
      ceiling: {
        kind: "update",
        method: "PATCH",
        path: "/v1/tickets/:id",
        ticketId: first.id,
        version: first.version,
      },
    },
    {
      name: "POST /v1/tickets",
      load: {
        method: "POST",
        paths: ["/v1/tickets"],
        bodies: createBodies,
        headers: auth,
        idempotencyKeys: true,
      },
      sample: {
        path: "/v1/tickets",
        init: {
          method: "POST",
          headers: { ...json, "idempotency-key": crypto.randomUUID() },
          body: createBodies[0],
        },
      },
      ceiling: { kind: "create", method: "POST", path: "/v1/tickets" },
    },
    {
      name: `POST /v1/tickets/:id/comments (${COMMENT_WATCHERS} watchers)`,
      load: {
        method: "POST",
        paths: watched.map((id) => `/v1/tickets/${id}/comments`),
        bodies: commentBodies,
        headers: auth,
      },
      sample: {
        path: `/v1/tickets/${watched[0]}/comments`,
        init: { method: "POST", headers: json, body: commentBodies[0] },
      },
      ceiling: {
        kind: "comment",
        method: "POST",
        path: "/v1/tickets/:id/comments",
        ticketId: watched[0],
      },
    },
  ];
}

/** The ceiling route for a scenario, from what its captured request did. */
export function ceilingRoute(scenario: Scenario, captured: Captured, userId: string): CeilingRoute {
  return {
    ...scenario.ceiling,
    status: captured.status,
    body: captured.body,
    statements: captured.statements,
    userId,
  };
}

/** Conditional PATCHes need the tickets' current versions before every run (earlier runs moved them). */
export async function refreshVersions(sql: postgres.Sql, scenario: Scenario): Promise<Scenario["load"]> {
  if (!scenario.load.ifMatch) return scenario.load;
  // autocannon stops with requests in flight; let the server commit them before reading versions.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const ids = Object.keys(scenario.load.ifMatch).map((path) => path.slice("/v1/tickets/".length));
  const rows = await sql<
    { id: string; version: number }[]
  >`select id, version from tickets where id = any(${ids})`;
  return {
    ...scenario.load,
    ifMatch: Object.fromEntries(rows.map((row) => [`/v1/tickets/${row.id}`, row.version])),
  };
}
