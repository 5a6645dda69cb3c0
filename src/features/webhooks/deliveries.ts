import { and, asc, eq, gte, inArray, lt, ne, sql } from "drizzle-orm";
import { webhookAttempts, webhookDeliveries } from "../../db/schema.ts";
import type { Deps } from "../../deps.ts";
import type { Actor } from "../../lib/actor.ts";
import { NotFoundError } from "../../lib/errors.ts";
import { exactTime, newestFirst, newestFirstAfter } from "../../lib/keyset.ts";
import { pageOf } from "../../lib/list.ts";
import { enqueueJobs, kickJobs } from "../jobs/enqueue.ts";
import { deliveryJob } from "./delivery-job.ts";
import { loadManagedEndpoint } from "./queries.ts";
import type { WebhookDelivery, WebhookDeliveryListQuery } from "./schemas.ts";

type DeliveryRow = typeof webhookDeliveries.$inferSelect;
const MAX_ATTEMPTS_SHOWN = 100;

function toDelivery(row: DeliveryRow): WebhookDelivery {
  return {
    id: row.id,
    endpointId: row.endpointId,
    eventId: row.eventId,
    messageId: row.messageId,
    eventType: row.eventType,
    status: row.status,
    attempts: row.attempts,
    lastStatusCode: row.lastStatusCode,
    lastError: row.lastError,
    lastAttemptAt: row.lastAttemptAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}

function deliveryNotFound(): NotFoundError {
  return new NotFoundError("No such delivery.", "webhook_delivery_not_found");
}

/** Newest first over (endpoint_id, created_at, id); filters narrow the same index scan. */
export async function listDeliveries(
  deps: Deps,
  actor: Actor,
  endpointId: string,
  query: WebhookDeliveryListQuery,
) {
  await loadManagedEndpoint(deps.db, actor, endpointId);
  const filters = and(
    eq(webhookDeliveries.endpointId, endpointId),
    query.status ? eq(webhookDeliveries.status, query.status) : undefined,
    query.eventType ? eq(webhookDeliveries.eventType, query.eventType) : undefined,
    query.since ? gte(webhookDeliveries.createdAt, query.since) : undefined,
  );
  const after = query.cursor
    ? newestFirstAfter(webhookDeliveries.createdAt, webhookDeliveries.id, query.cursor)
    : undefined;
  const rows = await deps.db
    .select({ delivery: webhookDeliveries, at: exactTime(webhookDeliveries.createdAt) })
    .from(webhookDeliveries)
    .where(and(filters, after))
    .orderBy(...newestFirst(webhookDeliveries.createdAt, webhookDeliveries.id))
    .limit(query.limit + 1);
  const { page, nextCursor } = pageOf(rows, query.limit, (row) => [row.at, row.delivery.id]);
  const data = page.map((row) => toDelivery(row.delivery));
  if (!query.count) return { data, nextCursor };
  const [total] = await deps.db
    .select({ total: sql<number>`count(*)::int` })
    .from(webhookDeliveries)
    .where(filters);
  return { data, nextCursor, total: total?.total ?? 0 };
}

export async function getDelivery(deps: Deps, actor: Actor, endpointId: string, deliveryId: string) {
  await loadManagedEndpoint(deps.db, actor, endpointId);
  const delivery = await loadDelivery(deps.db, endpointId, deliveryId);
  const attempts = await deps.db
    .select()
    .from(webhookAttempts)
    .where(eq(webhookAttempts.deliveryId, deliveryId))
    .orderBy(asc(webhookAttempts.id))
    .limit(MAX_ATTEMPTS_SHOWN);
  return {
    ...toDelivery(delivery),
    payload: delivery.payload as Record<string, unknown>,
    attemptLog: attempts.map((attempt) => ({
      attemptedAt: attempt.attemptedAt.toISOString(),
      statusCode: attempt.statusCode,
      latencyMs: attempt.latencyMs,
      error: attempt.error,
      responseBody: attempt.responseBody,
    })),
  };
}

/**
 * Sends it again with the same body and `webhook-id` (receivers drop what they already have). A
 * delivery still pending already has its job: it is returned as it is, so a double click sends once.
 */
export async function redeliver(deps: Deps, actor: Actor, endpointId: string, deliveryId: string) {
  await loadManagedEndpoint(deps.db, actor, endpointId);
  const row = await deps.db.transaction(async (tx) => {
    const [queued] = await tx
      .update(webhookDeliveries)
      .set({ status: "pending" })
      .where(
        and(
          eq(webhookDeliveries.id, deliveryId),
          eq(webhookDeliveries.endpointId, endpointId),
          ne(webhookDeliveries.status, "pending"),
        ),
      )
      .returning();
    if (!queued) return { delivery: await loadDelivery(tx, endpointId, deliveryId), queued: false };
    await enqueueJobs(tx, [deliveryJob(deliveryId, endpointId)]);
    return { delivery: queued, queued: true };
  });
  if (row.queued) kickJobs(deps);
  return toDelivery(row.delivery);
}

/** Every failed delivery of the endpoint made at or after `since`, queued again in one statement. */
export async function redeliverFailed(deps: Deps, actor: Actor, endpointId: string, since: Date) {
  await loadManagedEndpoint(deps.db, actor, endpointId);
  const count = await deps.db.transaction(async (tx) => {
    const queued = await tx
      .update(webhookDeliveries)
      .set({ status: "pending" })
      .where(
        and(
          eq(webhookDeliveries.endpointId, endpointId),
          eq(webhookDeliveries.status, "failed"),
          gte(webhookDeliveries.createdAt, since),
        ),
      )
      .returning({ id: webhookDeliveries.id });
    await enqueueJobs(
      tx,
      queued.map((delivery) => deliveryJob(delivery.id, endpointId)),
    );
    return queued.length;
  });
  if (count > 0) kickJobs(deps);
  return { redelivered: count };
}

/** A `webhook.ping` to the endpoint, delivered and logged like any event (enabled or not). */
export async function sendTestEvent(deps: Deps, actor: Actor, endpointId: string) {
  const messageId = `msg_${crypto.randomUUID()}`;
  const row = await deps.db.transaction(async (tx) => {
    // Locked: an endpoint deleted meanwhile is a 404, not a foreign-key violation.
    const endpoint = await loadManagedEndpoint(tx, actor, endpointId, true);
    const [created] = (await tx
      .insert(webhookDeliveries)
      .values({
        endpointId,
        messageId,
        eventType: "webhook.ping",
        payload: {
          type: "webhook.ping",
          endpointId,
          teamId: endpoint.teamId,
          createdAt: new Date().toISOString(),
        },
      })
      .returning()) as [DeliveryRow];
    await enqueueJobs(tx, [deliveryJob(created.id, endpointId)]);
    return created;
  });
  kickJobs(deps);
  return toDelivery(row);
}

/** Deletes finished deliveries (and their attempts) older than WEBHOOK_LOG_RETENTION_DAYS, in bounded batches. */
export async function pruneDeliveryLog(deps: Pick<Deps, "db" | "config">): Promise<number> {
  const cutoff = sql`now() - make_interval(days => ${deps.config.WEBHOOK_LOG_RETENTION_DAYS}::int)`;
  let pruned = 0;
  for (let batch = 0; batch < 20; batch++) {
    const expired = deps.db
      .select({ id: webhookDeliveries.id })
      .from(webhookDeliveries)
      .where(and(lt(webhookDeliveries.createdAt, cutoff), ne(webhookDeliveries.status, "pending")))
      .limit(2000);
    const deleted = await deps.db
      .delete(webhookDeliveries)
      .where(inArray(webhookDeliveries.id, expired))
      .returning({ id: webhookDeliveries.id });
    pruned += deleted.length;
    if (deleted.length < 2000) break;
  }
  return pruned;
}

async function loadDelivery(db: Pick<Deps["db"], "select">, endpointId: string, deliveryId: string) {
  const [row] = await db
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.endpointId, endpointId)))
    .limit(1);
  if (!row) throw deliveryNotFound();
  return row;
}
