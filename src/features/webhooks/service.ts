import { and, eq, inArray, sql } from "drizzle-orm";
import { webhookEndpoints } from "../../db/schema.ts";
import type { Deps } from "../../deps.ts";
import type { Actor } from "../../lib/actor.ts";
import { writeAudit } from "../../lib/audit.ts";
import { exactTime, newestFirst, newestFirstAfter } from "../../lib/keyset.ts";
import { pageOf } from "../../lib/list.ts";
import { assertVersion } from "../teams/queries.ts";
import { teamsLedBy } from "../tickets/access.ts";
import {
  assertMayConfigure,
  assertTargetAllowed,
  type EndpointRow,
  loadManagedEndpoint,
  toEndpoint,
} from "./queries.ts";
import type { CreateWebhookEndpoint, UpdateWebhookEndpoint, WebhookListQuery } from "./schemas.ts";
import { generateSigningSecret } from "./signing.ts";

/** Newest first; a manager sees the endpoints of the teams they lead. */
export async function listEndpoints(deps: Deps, actor: Actor, query: WebhookListQuery) {
  let scope: ReturnType<typeof inArray> | undefined;
  if (actor.role !== "admin") {
    const led = [...(await teamsLedBy(deps.db, actor.userId))];
    if (led.length === 0) return { data: [], nextCursor: null, ...(query.count ? { total: 0 } : {}) };
    scope = inArray(webhookEndpoints.teamId, led);
  }
  const after = query.cursor
    ? newestFirstAfter(webhookEndpoints.createdAt, webhookEndpoints.id, query.cursor)
    : undefined;
  const rows = await deps.db
    .select({ endpoint: webhookEndpoints, at: exactTime(webhookEndpoints.createdAt) })
    .from(webhookEndpoints)
    .where(and(scope, after))
    .orderBy(...newestFirst(webhookEndpoints.createdAt, webhookEndpoints.id))
    .limit(query.limit + 1);
  const { page, nextCursor } = pageOf(rows, query.limit, (row) => [row.at, row.endpoint.id]);
  const data = page.map((row) => toEndpoint(row.endpoint));
  if (!query.count) return { data, nextCursor };
  const [total] = await deps.db
    .select({ total: sql<number>`count(*)::int` })
    .from(webhookEndpoints)
    .where(scope);
  return { data, nextCursor, total: total?.total ?? 0 };
}

export async function getEndpoint(deps: Deps, actor: Actor, id: string) {
  return toEndpoint(await loadManagedEndpoint(deps.db, actor, id));
}

/** The secret is returned here and never again (rotation hands out a new one). */
export async function createEndpoint(deps: Deps, actor: Actor, input: CreateWebhookEndpoint) {
  assertTargetAllowed(deps.config, input.url);
  const secret = generateSigningSecret();
  const row = await deps.db.transaction(async (tx) => {
    await assertMayConfigure(tx, actor, input, { teamId: true, includeInternalComments: true });
    const [created] = (await tx
      .insert(webhookEndpoints)
      .values({
        url: input.url,
        description: input.description,
        eventTypes: input.eventTypes ? [...new Set(input.eventTypes)] : null,
        teamId: input.teamId,
        managerId: actor.role === "admin" ? null : actor.userId,
        enabled: input.enabled,
        includeInternal: input.includeInternalComments,
        secret,
      })
      .returning()) as [EndpointRow];
    await writeAudit(tx, actor, {
      action: "webhook.created",
      entityType: "webhook_endpoint",
      entityId: created.id,
      after: audited(created),
    });
    return created;
  });
  return { ...toEndpoint(row), secret };
}

/** Re-enabling clears the reason the server disabled it and the failure streak. */
export async function updateEndpoint(
  deps: Deps,
  actor: Actor,
  id: string,
  patch: UpdateWebhookEndpoint,
  expectedVersion?: number,
) {
  if (patch.url) assertTargetAllowed(deps.config, patch.url);
  const row = await deps.db.transaction(async (tx) => {
    const current = await loadManagedEndpoint(tx, actor, id, true);
    assertVersion(current, expectedVersion, "webhook endpoint");
    const next = {
      teamId: patch.teamId !== undefined ? patch.teamId : current.teamId,
      includeInternalComments: patch.includeInternalComments ?? current.includeInternal,
    };
    await assertMayConfigure(tx, actor, next, {
      teamId: patch.teamId !== undefined,
      includeInternalComments: patch.includeInternalComments !== undefined,
    });
    const reenabled = patch.enabled === true && !current.enabled;
    const [updated] = (await tx
      .update(webhookEndpoints)
      .set({
        ...(patch.url !== undefined ? { url: patch.url } : {}),
        ...(patch.description !== undefined ? { description: patch.description } : {}),
        ...(patch.eventTypes !== undefined
          ? { eventTypes: patch.eventTypes ? [...new Set(patch.eventTypes)] : null }
          : {}),
        ...(patch.teamId !== undefined ? { teamId: patch.teamId } : {}),
        ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
        ...(patch.includeInternalComments !== undefined
          ? { includeInternal: patch.includeInternalComments }
          : {}),
        ...(reenabled ? { disabledReason: null, failingSince: null } : {}),
        updatedAt: sql`now()`,
        version: sql`${webhookEndpoints.version} + 1`,
      })
      .where(eq(webhookEndpoints.id, id))
      .returning()) as [EndpointRow];
    await writeAudit(tx, actor, {
      action: "webhook.updated",
      entityType: "webhook_endpoint",
      entityId: id,
      before: audited(current),
      after: audited(updated),
    });
    return updated;
  });
  return toEndpoint(row);
}

/** Its deliveries and their log go with it; jobs still queued find nothing and end. */
export async function deleteEndpoint(deps: Deps, actor: Actor, id: string, expectedVersion?: number) {
  await deps.db.transaction(async (tx) => {
    const current = await loadManagedEndpoint(tx, actor, id, true);
    assertVersion(current, expectedVersion, "webhook endpoint");
    await tx.delete(webhookEndpoints).where(eq(webhookEndpoints.id, id));
    await writeAudit(tx, actor, {
      action: "webhook.deleted",
      entityType: "webhook_endpoint",
      entityId: id,
      before: audited(current),
    });
  });
}

/**
 * A new secret signs from now on; the previous one keeps signing beside it for
 * WEBHOOK_SECRET_OVERLAP_HOURS, so receivers can switch without losing a message.
 */
export async function rotateSecret(deps: Deps, actor: Actor, id: string) {
  const secret = generateSigningSecret();
  const overlapHours = deps.config.WEBHOOK_SECRET_OVERLAP_HOURS;
  const row = await deps.db.transaction(async (tx) => {
    const current = await loadManagedEndpoint(tx, actor, id, true);
    const [updated] = (await tx
      .update(webhookEndpoints)
      .set({
        secret,
        previousSecret: overlapHours > 0 ? current.secret : null,
        previousSecretExpiresAt:
          overlapHours > 0 ? sql`now() + make_interval(hours => ${overlapHours}::int)` : null,
        updatedAt: sql`now()`,
        version: sql`${webhookEndpoints.version} + 1`,
      })
      .where(eq(webhookEndpoints.id, id))
      .returning()) as [EndpointRow];
    await writeAudit(tx, actor, {
      action: "webhook.secret_rotated",
      entityType: "webhook_endpoint",
      entityId: id,
      after: { previousSecretExpiresAt: updated.previousSecretExpiresAt?.toISOString() ?? null },
    });
    return updated;
  });
  return { secret, previousSecretExpiresAt: toEndpoint(row).previousSecretExpiresAt };
}

/** What the audit log keeps: never the secrets. */
function audited(row: EndpointRow) {
  return {
    url: row.url,
    description: row.description,
    eventTypes: row.eventTypes,
    teamId: row.teamId,
    enabled: row.enabled,
    includeInternalComments: row.includeInternal,
    version: row.version,
  };
}
