import { eq } from "drizzle-orm";
import type { Config } from "../../config/schema.ts";
import type { Database } from "../../db/database.ts";
import { teams, webhookEndpoints } from "../../db/schema.ts";
import type { Actor } from "../../lib/actor.ts";
import { AppError, ForbiddenError, NotFoundError, ValidationError } from "../../lib/errors.ts";
import { teamsLedBy } from "../tickets/access.ts";
import { refusedHostReason } from "./addresses.ts";
import type { WebhookEndpoint } from "./schemas.ts";

type Reader = Pick<Database, "select">;
export type EndpointRow = typeof webhookEndpoints.$inferSelect;

export function toEndpoint(row: EndpointRow): WebhookEndpoint {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    eventTypes: row.eventTypes,
    teamId: row.teamId,
    enabled: row.enabled,
    includeInternalComments: row.includeInternal,
    disabledReason: row.disabledReason,
    failingSince: row.failingSince?.toISOString() ?? null,
    previousSecretExpiresAt: row.previousSecret ? (row.previousSecretExpiresAt?.toISOString() ?? null) : null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    version: row.version,
  };
}

export function endpointNotFound(): NotFoundError {
  return new NotFoundError("No such webhook endpoint.", "webhook_not_found");
}

/**
 * The endpoint if the actor may manage it: admins any, managers those filtered to a team they
 * lead. Anything else looks missing (404), like another team's ticket.
 */
export async function loadManagedEndpoint(
  db: Reader & Pick<Database, "select">,
  actor: Pick<Actor, "userId" | "role">,
  id: string,
  lock = false,
): Promise<EndpointRow> {
  const query = db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id)).limit(1);
  const [row] = lock ? await query.for("update") : await query;
  if (!row) throw endpointNotFound();
  if (actor.role === "admin") return row;
  if (!row.teamId || !(await teamsLedBy(db, actor.userId)).has(row.teamId)) throw endpointNotFound();
  return row;
}

/**
 * What only admins may set, and where a manager may point an endpoint: at a team they lead,
 * never at every team. 403 naming the field; a team that does not exist is a 400.
 */
export async function assertMayConfigure(
  db: Reader,
  actor: Pick<Actor, "userId" | "role">,
  next: { teamId: string | null; includeInternalComments: boolean },
  changed: { teamId: boolean; includeInternalComments: boolean },
): Promise<void> {
  if (changed.teamId && next.teamId) {
    const [team] = await db.select({ id: teams.id }).from(teams).where(eq(teams.id, next.teamId)).limit(1);
    if (!team) throw new ValidationError([{ path: "body.teamId", message: "no such team" }]);
  }
  if (actor.role === "admin") return;
  if (changed.includeInternalComments && next.includeInternalComments)
    throw new ForbiddenError("Only admins may send internal comments to a webhook.", "admin_only", [
      { path: "body.includeInternalComments", message: "admins only" },
    ]);
  if (!next.teamId || (changed.teamId && !(await teamsLedBy(db, actor.userId)).has(next.teamId)))
    throw new ForbiddenError("Managers send webhooks only for teams they lead.", "not_team_lead", [
      { path: "body.teamId", message: "must be a team you lead" },
    ]);
}

/**
 * A well-formed URL this deployment will not call: http:// in staging and production, an internal
 * name or a refused address literal (the SSRF guard). 422 naming the field: the value's form is
 * fine, the policy refuses it.
 */
export function assertTargetAllowed(config: Config, url: string): void {
  const parsed = new URL(url);
  const deployed = config.NODE_ENV === "staging" || config.NODE_ENV === "production";
  if (deployed && parsed.protocol !== "https:") throw refusedTarget("must be https://");
  const reason = config.WEBHOOK_ALLOW_PRIVATE_TARGETS ? null : refusedHostReason(parsed.hostname);
  if (reason) throw refusedTarget(`refused target: ${reason}`);
}

function refusedTarget(message: string): AppError {
  return new AppError({
    status: 422,
    code: "webhook_target_refused",
    title: "Webhook target refused",
    detail: `This server does not send webhooks there: ${message}.`,
    errors: [{ path: "body.url", message }],
  });
}
