import { DEMO_PASSWORD, DEMO_PEOPLE, demoEmail } from "../../src/db/seed/demo-cast.ts";
import type { ApiCall } from "./api-client.ts";

export type Role = "admin" | "manager" | "developer" | "reporter";

/** The admin the soak seeds next to the demo organisation (its own database, never deployed). */
export const SOAK_ADMIN = { email: "admin@soak.tixgenius.local", password: "soak-admin-password-0123456789" };

export interface Person {
  email: string;
  password: string;
  role: Role;
}

/** What a user's client knows of a ticket from its last answer, for If-Match and workflow steps. */
export interface KnownTicket {
  id: string;
  version: number;
  status: "open" | "in_progress" | "blocked" | "resolved" | "closed";
  teamId: string | null;
  reporterId: string;
  assigneeId: string | null;
}

export interface VirtualUser extends Person {
  userId: string;
  accessToken: string;
  refreshToken: string;
  /** A refresh token works once: a user never refreshes (or signs in again) while a refresh is out. */
  busyWithSession: boolean;
  tickets: Map<string, KnownTicket>;
}

interface TokenPair {
  accessToken: string;
  refreshToken: string;
  user: { id: string };
}

/** Bounded so the soak's own memory stays flat too. */
const KNOWN_TICKETS_PER_USER = 300;

/** Everyone who takes part: the admin and every demo manager, developer and reporter. */
export function soakPeople(): Person[] {
  return [
    { ...SOAK_ADMIN, role: "admin" },
    ...DEMO_PEOPLE.map((person) => ({
      email: demoEmail(person.name),
      password: DEMO_PASSWORD,
      role: person.role,
    })),
  ];
}

export async function signIn(call: ApiCall, person: Person): Promise<VirtualUser> {
  const answer = await call<TokenPair>("POST /v1/auth/login", "POST", "/v1/auth/login", {
    body: { email: person.email, password: person.password },
  });
  if (answer.status !== 200 || !answer.body)
    throw new Error(`${person.email} could not sign in: ${answer.status}`);
  return {
    ...person,
    userId: answer.body.user.id,
    accessToken: answer.body.accessToken,
    refreshToken: answer.body.refreshToken,
    busyWithSession: false,
    tickets: new Map(),
  };
}

/** Signs in again as another device would, and carries on with the new session. */
export async function signInAgain(call: ApiCall, user: VirtualUser): Promise<void> {
  await withSessionLock(user, async () => {
    const fresh = await signIn(call, user).catch(() => undefined);
    if (fresh) Object.assign(user, { accessToken: fresh.accessToken, refreshToken: fresh.refreshToken });
  });
}

/** Rotates the refresh token (each works once) and takes the new access token. */
export async function refreshSession(call: ApiCall, user: VirtualUser): Promise<void> {
  await withSessionLock(user, async () => {
    const answer = await call<TokenPair>("POST /v1/auth/refresh", "POST", "/v1/auth/refresh", {
      body: { refreshToken: user.refreshToken },
    });
    if (answer.status === 200 && answer.body)
      Object.assign(user, { accessToken: answer.body.accessToken, refreshToken: answer.body.refreshToken });
  });
}

async function withSessionLock(user: VirtualUser, work: () => Promise<void>): Promise<void> {
  if (user.busyWithSession) return;
  user.busyWithSession = true;
  try {
    await work();
  } finally {
    user.busyWithSession = false;
  }
}

export function remember(user: VirtualUser, ticket: KnownTicket): void {
  user.tickets.delete(ticket.id);
  user.tickets.set(ticket.id, {
    id: ticket.id,
    version: ticket.version,
    status: ticket.status,
    teamId: ticket.teamId,
    reporterId: ticket.reporterId,
    assigneeId: ticket.assigneeId,
  });
  if (user.tickets.size > KNOWN_TICKETS_PER_USER) {
    const oldest = user.tickets.keys().next().value;
    if (oldest !== undefined) user.tickets.delete(oldest);
  }
}
