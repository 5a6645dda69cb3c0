import type { Role } from "../../../src/features/users/schemas.ts";
import type { Session } from "../factories.ts";

/** Who calls a route in the role matrix: a fresh user and session per case. */
export interface Caller {
  user: { id: string; role: Role; password: string };
  session: Session;
}

/**
 * The app as the role matrix reaches it, on Node (app.request) or in workerd (workerFetch): the
 * rows build their resources through the API as an admin, so one table serves both runtimes.
 */
export interface Api {
  send(path: string, init?: RequestInit): Promise<Response>;
  admin: Session;
  /** A user of this role (no session), straight into the database. */
  user(role: Role): Promise<{ id: string }>;
}

/** A concrete request the caller is entitled to make. */
export interface Prepared {
  path: string;
  body?: unknown;
}

export const unique = (label: string) => `${label} ${crypto.randomUUID().slice(0, 8)}`;

/** A setup call that must succeed; returns the parsed body (undefined for 204). */
export async function call<T = Record<string, unknown>>(
  api: Api,
  method: string,
  path: string,
  body?: unknown,
  session: Session = api.admin,
): Promise<T> {
  const headers =
    body === undefined ? session.headers : { ...session.headers, "Content-Type": "application/json" };
  const response = await api.send(path, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (response.status >= 300)
    throw new Error(`setup ${method} ${path} failed: ${response.status} ${await response.text()}`);
  return (response.status === 204 ? undefined : await response.json()) as T;
}

/** A team with these leads and members, made by the admin. */
export async function team(api: Api, people: { leads?: string[]; members?: string[] } = {}): Promise<string> {
  const { id } = await call<{ id: string }>(api, "POST", "/v1/teams", { name: unique("Matrix team") });
  for (const userId of people.leads ?? [])
    await call(api, "PUT", `/v1/teams/${id}/members/${userId}`, { role: "lead" });
  for (const userId of people.members ?? [])
    await call(api, "PUT", `/v1/teams/${id}/members/${userId}`, { role: "member" });
  return id;
}

/** A team the caller acts on: a manager leads it, anyone else but an admin belongs to it. */
export function callersTeam(api: Api, caller: Caller): Promise<string> {
  if (caller.user.role === "admin") return team(api);
  if (caller.user.role === "manager") return team(api, { leads: [caller.user.id] });
  return team(api, { members: [caller.user.id] });
}

/**
 * A ticket the caller may act on: in the caller's team, or reported by them (a reporter sees
 * only their own). `teamId` is the ticket's team.
 */
export async function callersTicket(api: Api, caller: Caller): Promise<{ id: string; teamId: string }> {
  const teamId = await callersTeam(api, caller);
  if (caller.user.role === "reporter") {
    const ticket = await call<{ id: string }>(
      api,
      "POST",
      "/v1/tickets",
      { title: unique("Mine") },
      caller.session,
    );
    await call(api, "PATCH", `/v1/tickets/${ticket.id}`, { teamId });
    return { id: ticket.id, teamId };
  }
  const ticket = await call<{ id: string }>(api, "POST", "/v1/tickets", { title: unique("Ours"), teamId });
  return { id: ticket.id, teamId };
}

/** An active developer of the team, with a stored profile. */
export async function teamDeveloper(api: Api, teamId: string): Promise<string> {
  const developer = await api.user("developer");
  await call(api, "PUT", `/v1/teams/${teamId}/members/${developer.id}`, { role: "member" });
  await call(api, "PUT", `/v1/developers/${developer.id}/profile`, { capacity: 5 });
  return developer.id;
}
