import type { Role } from "../../../src/features/users/schemas.ts";
import { FIRST_INSTANT } from "../../../src/lib/date-time.ts";
import { makeApiKey } from "../factories/api-keys.ts";
import { attach, pngBytes } from "../factories/attachments.ts";
import { addComment } from "../factories/comments.ts";
import { insertInvitation } from "../factories/invitations.ts";
import { createCategory, createTeam, insertTicket, reportTicket } from "../factories/tickets.ts";
import { freshIp, login, type Session, signedIn, type TestUser } from "../factories.ts";
import type { TestContext } from "../test-context.ts";

export const ACTOR_NAMES = ["admin", "manager", "developer", "reporter", "anonymous"] as const;
export type ActorName = (typeof ACTOR_NAMES)[number];

export interface FuzzActor {
  role: Role;
  user: TestUser;
  session: Session;
}

/**
 * The data a fuzz run plays against. Each signed-in role has a main actor and a scratch actor of
 * the same role: routes that end sessions (logout, logout-all, password, session revocation) run
 * as the scratch actor, which is signed in again afterwards, so the main actors stay signed in.
 * A victim reporter owns tickets in a team none of the actors belongs to: its ids are the
 * "foreign" ids no reporter-actor request may ever get a 2xx for, or see in a 2xx body.
 */
export interface FuzzWorld {
  actors: Record<Exclude<ActorName, "anonymous">, FuzzActor>;
  scratch: Record<Exclude<ActorName, "anonymous">, FuzzActor>;
  /** Ids that requests may use anywhere (including as mutation targets). */
  mutableIds: string[];
  /** Ids of the actors themselves: only read requests use them, so no fuzzed write disables or demotes an actor. */
  actorIds: string[];
  /** Foreign (victim-owned) ids; a reporter actor must never receive them in a 2xx. */
  foreignIds: string[];
  /** The victim's session id: no actor may revoke it or see it. */
  victimSessionId: string;
  refreshTokens: string[];
  /** Ids of the actors' own visible rows by the name a field or path segment gives them. */
  idsByName: Record<string, string[]>;
}

const SIGNED_IN_ROLES = ["admin", "manager", "developer", "reporter"] as const;

export async function buildFuzzWorld(ctx: TestContext): Promise<FuzzWorld> {
  const actorsList = await Promise.all(SIGNED_IN_ROLES.map((role) => signedIn(ctx, role)));
  const scratchList = await Promise.all(SIGNED_IN_ROLES.map((role) => signedIn(ctx, role)));
  const [victim, victimManager, victimDeveloper, otherDeveloper] = await Promise.all([
    signedIn(ctx, "reporter"),
    signedIn(ctx, "manager"),
    signedIn(ctx, "developer"),
    signedIn(ctx, "developer"),
  ]);
  const byRole = (list: typeof actorsList) =>
    Object.fromEntries(
      list.map((entry, index) => [SIGNED_IN_ROLES[index], { role: SIGNED_IN_ROLES[index], ...entry }]),
    ) as FuzzWorld["actors"];
  const actors = byRole(actorsList);
  const scratch = byRole(scratchList);

  const ownTeam = await createTeam(ctx, {
    leads: [actors.manager.user.id],
    members: [actors.developer.user.id, otherDeveloper.user.id],
  });
  const foreignTeam = await createTeam(ctx, {
    leads: [victimManager.user.id],
    members: [victimDeveloper.user.id],
  });
  const ownCategory = await createCategory(ctx, { defaultTeamId: ownTeam.id });
  const foreignCategory = await createCategory(ctx, { defaultTeamId: foreignTeam.id });
  // Named only by body fields (`categoryId`), never by a path: a fuzzed DELETE of /v1/categories/{id}
  // early in a run would otherwise leave every later ticket create a 400 "no such category", and
  // the ticket's date fields would then never reach the database and read back.
  const standingCategory = await createCategory(ctx, { defaultTeamId: ownTeam.id });

  const ownTicket = await reportTicket(ctx, actors.reporter.session, { categoryId: ownCategory.id });
  const ownComment = await addComment(ctx, actors.reporter.session, ownTicket.id);
  // Several: fuzzed DELETEs remove some, and reads of the others should still reach a handler.
  const ownFiles = await Promise.all(
    [1, 2, 3].map((size) => attach(ctx, actors.reporter.session, ownTicket.id, pngBytes(size, size))),
  );
  const devTicket = await insertTicket(ctx, { reporterId: actors.developer.user.id, teamId: ownTeam.id });
  // Due at the range's first instant and named by no pool (so never changed), seen by every actor:
  // a ticket the fuzzer writes is then never the earliest due, and the descending page after it
  // starts from a cursor that carries the written due date (see pagePast in round-trip.ts).
  await insertTicket(ctx, {
    reporterId: actors.reporter.user.id,
    teamId: ownTeam.id,
    dueAt: new Date(FIRST_INSTANT),
  });
  const foreignTickets = await Promise.all([
    reportTicket(ctx, victim.session, { categoryId: foreignCategory.id }),
    reportTicket(ctx, victim.session, { categoryId: ownCategory.id }),
  ]);
  const deletedForeign = await insertTicket(ctx, {
    reporterId: victim.user.id,
    teamId: foreignTeam.id,
    deletedAt: new Date(),
  });
  const foreignComments = await Promise.all(
    foreignTickets.map((ticket) => addComment(ctx, victim.session, ticket.id)),
  );
  const victimSessionId = await currentSessionId(ctx, victim.session);
  // One key per actor: each revokes its own; another's is a 404, an admin revokes any.
  const apiKeys = await Promise.all(SIGNED_IN_ROLES.map((role) => makeApiKey(ctx, actors[role].session)));
  const invitationIds = await Promise.all([
    insertInvitation(ctx, { invitedBy: actors.admin.user.id }),
    insertInvitation(ctx, { invitedBy: actors.manager.user.id, teamIds: [ownTeam.id] }),
    insertInvitation(ctx, { invitedBy: actors.manager.user.id, teamIds: [ownTeam.id] }),
  ]);
  const notificationIds = await notificationsOfActors(ctx, actors, ownTicket.id, otherDeveloper.session);
  const ownWebhook = await webhookWithDelivery(ctx, actors.admin.session, ownTeam.id);

  return {
    actors,
    scratch,
    mutableIds: [
      ownTeam.id,
      foreignTeam.id,
      ownCategory.id,
      foreignCategory.id,
      ownTicket.id,
      ownComment.id,
      ...ownFiles.map((file) => file.id),
      devTicket.id,
      ownWebhook.id,
      victim.user.id,
      victimManager.user.id,
      victimDeveloper.user.id,
      otherDeveloper.user.id,
      "00000000-0000-4000-8000-000000000000",
    ],
    actorIds: SIGNED_IN_ROLES.flatMap((role) => [actors[role].user.id]),
    foreignIds: [
      ...foreignTickets.map((ticket) => ticket.id),
      deletedForeign.id,
      ...foreignComments.map((comment) => comment.id),
    ],
    victimSessionId,
    refreshTokens: SIGNED_IN_ROLES.map((role) => scratch[role].session.refreshToken),
    idsByName: idsByName({
      tickets: [ownTicket.id, devTicket.id],
      teams: [ownTeam.id],
      categories: [ownCategory.id],
      standingCategories: [standingCategory.id],
      comments: [ownComment.id],
      attachments: ownFiles.map((file) => file.id),
      developers: [otherDeveloper.user.id],
      apiKeys: apiKeys.map((key) => key.id),
      invitations: invitationIds,
      notifications: notificationIds,
      webhooks: [ownWebhook.id],
      deliveries: [ownWebhook.deliveryId],
    }),
  };
}

/**
 * One notification per actor (a comment on the ticket they all watch), so PATCH
 * /v1/notifications/{id} reaches its handler; an actor drawing another's id gets a 404.
 */
async function notificationsOfActors(
  ctx: TestContext,
  actors: FuzzWorld["actors"],
  ticketId: string,
  commenter: Session,
): Promise<string[]> {
  for (const role of ["admin", "manager", "developer"] as const)
    await ctx.app.request(`/v1/tickets/${ticketId}/watchers/me`, {
      method: "PUT",
      headers: actors[role].session.headers,
    });
  await addComment(ctx, commenter, ticketId);
  const ids: string[] = [];
  for (const role of SIGNED_IN_ROLES) {
    const response = await ctx.app.request("/v1/notifications", { headers: actors[role].session.headers });
    const page = (await response.json()) as { data: { id: string }[] };
    ids.push(...page.data.map((notification) => notification.id));
  }
  if (ids.length < SIGNED_IN_ROLES.length) throw new Error("an actor got no notification");
  return ids;
}

async function currentSessionId(ctx: TestContext, session: Session): Promise<string> {
  const response = await ctx.app.request("/v1/auth/sessions", { headers: session.headers });
  const body = (await response.json()) as { data: { id: string; current: boolean }[] };
  const current = body.data.find((entry) => entry.current);
  if (!current) throw new Error("no current session");
  return current.id;
}

/** Signs a scratch actor in again after a fuzzed request may have ended its session. */
export async function renewScratch(
  ctx: TestContext,
  world: FuzzWorld,
  role: Exclude<ActorName, "anonymous">,
) {
  const actor = world.scratch[role];
  actor.session = await login(ctx, actor.user, freshIp());
  world.refreshTokens[SIGNED_IN_ROLES.indexOf(role)] = actor.session.refreshToken;
}

/** Field and path-segment names (`categoryId`, `/categories/{id}`) mapped to their kind's ids. */
function idsByName(
  kinds: Record<
    | "tickets"
    | "teams"
    | "categories"
    | "standingCategories"
    | "comments"
    | "attachments"
    | "developers"
    | "apiKeys"
    | "invitations"
    | "notifications"
    | "webhooks"
    | "deliveries",
    string[]
  >,
) {
  return {
    ...kinds,
    "api-keys": kinds.apiKeys,
    ownerId: kinds.developers,
    teamIds: kinds.teams,
    deliveryId: kinds.deliveries,
    members: kinds.developers,
    users: kinds.developers,
    ticketId: kinds.tickets,
    teamId: kinds.teams,
    defaultTeamId: kinds.teams,
    categoryId: kinds.standingCategories,
    commentId: kinds.comments,
    parentId: kinds.categories,
    assigneeId: kinds.developers,
    userId: kinds.developers,
    actorId: kinds.developers,
  };
}

/**
 * A webhook endpoint of the actors' team (its lead manager may manage it too), disabled so that
 * nothing is sent, with one logged test delivery for the delivery routes.
 */
async function webhookWithDelivery(ctx: TestContext, session: Session, teamId: string) {
  const headers = { ...session.headers, "Content-Type": "application/json" };
  const created = await ctx.app.request("/v1/webhooks", {
    method: "POST",
    headers,
    body: JSON.stringify({ url: "https://hooks.example.com/fuzz", teamId, enabled: false }),
  });
  if (created.status !== 201) throw new Error(`webhook failed: ${created.status} ${await created.text()}`);
  const { id } = (await created.json()) as { id: string };
  const ping = await ctx.app.request(`/v1/webhooks/${id}/ping`, { method: "POST", headers: session.headers });
  if (ping.status !== 202) throw new Error(`ping failed: ${ping.status} ${await ping.text()}`);
  const { id: deliveryId } = (await ping.json()) as { id: string };
  return { id, deliveryId };
}
