import { and, eq, sql } from "drizzle-orm";
import { webhookAttempts, webhookDeliveries, webhookEndpoints } from "../../db/schema.ts";
import type { Deps, WebhookResponse } from "../../deps.ts";
import { writeAudit } from "../../lib/audit.ts";
import { signedHeaders } from "./signing.ts";

export type DeliveryDeps = Pick<Deps, "db" | "config" | "logger" | "metrics" | "clock" | "webhooks">;

/** What the job engine is told (the same shape as its JobResult). */
export type AttemptResult =
  | { outcome: "done" }
  | { outcome: "retry"; error: string; retryAfterSeconds?: number }
  | { outcome: "failed"; error: string };

/** The first 1 KiB of an answer is kept in the log; the rest is never read. */
export const RESPONSE_BYTES_KEPT = 1024;
/** A Retry-After longer than this is not honoured as such: the schedule decides. */
const MAX_RETRY_AFTER_SECONDS = 24 * 3600;

/**
 * One HTTP attempt of a delivery, logged with its status, latency, error and the start of the
 * answer. 2xx succeeds; 410 Gone disables the endpoint; 429 and 503 retry after their Retry-After
 * when given; anything else (3xx included: redirects are never followed) retries on the schedule,
 * until the endpoint has failed for WEBHOOK_DISABLE_AFTER_DAYS and is disabled.
 */
export async function attemptDelivery(deps: DeliveryDeps, deliveryId: string): Promise<AttemptResult> {
  const [row] = await deps.db
    .select({ delivery: webhookDeliveries, endpoint: webhookEndpoints })
    .from(webhookDeliveries)
    .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
    .where(eq(webhookDeliveries.id, deliveryId))
    .limit(1);
  // The endpoint (and its deliveries) was deleted since: nothing is owed to anyone.
  if (!row) return { outcome: "done" };
  const { delivery, endpoint } = row;
  if (delivery.status !== "pending") return { outcome: "done" };
  if (!endpoint.enabled) {
    await finishDelivery(deps, deliveryId, "failed", "the endpoint is disabled");
    return { outcome: "failed", error: "the endpoint is disabled" };
  }
  const now = deps.clock.now();
  const secrets = [endpoint.secret];
  if (endpoint.previousSecret && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > now)
    secrets.push(endpoint.previousSecret);
  const body = JSON.stringify(delivery.payload);
  const headers = await signedHeaders(secrets, delivery.messageId, now, body);

  const started = performance.now();
  let response: WebhookResponse | null = null;
  let error: string | null = null;
  try {
    response = await deps.webhooks.post({
      url: endpoint.url,
      headers: { ...headers, "User-Agent": "TixGenius-Webhooks/1" },
      body,
      timeoutMs: deps.config.WEBHOOK_TIMEOUT_MS,
      maxBodyBytes: RESPONSE_BYTES_KEPT,
    });
  } catch (caught) {
    error = describe(caught);
  }
  const latencyMs = Math.round(performance.now() - started);
  const status = response?.status ?? null;
  const succeeded = status !== null && status >= 200 && status < 300;
  const failure = error ?? `the receiver answered ${status}`;
  if (!succeeded) error = failure;
  deps.metrics.webhookAttempt(succeeded ? "succeeded" : "failed", latencyMs / 1000);

  if (succeeded) {
    await recordSuccess(deps, deliveryId, endpoint.id, { status, latencyMs, body: response?.body ?? null });
    deps.metrics.webhookDelivered(Math.max(0, (Date.now() - committedAt(delivery)) / 1000));
    return { outcome: "done" };
  }
  const gone = status === 410;
  const disableReason = await deps.db.transaction(async (tx) => {
    await tx.insert(webhookAttempts).values({
      deliveryId,
      statusCode: status,
      latencyMs,
      error,
      responseBody: response ? response.body : null,
    });
    await tx
      .update(webhookDeliveries)
      .set({
        attempts: sql`${webhookDeliveries.attempts} + 1`,
        lastStatusCode: status,
        lastError: error,
        lastAttemptAt: sql`now()`,
        ...(gone ? { status: "failed" as const } : {}),
      })
      .where(eq(webhookDeliveries.id, deliveryId));
    const [streak] = await tx
      .update(webhookEndpoints)
      .set({ failingSince: sql`coalesce(${webhookEndpoints.failingSince}, now())` })
      .where(eq(webhookEndpoints.id, endpoint.id))
      .returning({ failingSince: webhookEndpoints.failingSince });
    const days = deps.config.WEBHOOK_DISABLE_AFTER_DAYS;
    const failingTooLong =
      streak?.failingSince && now.getTime() - streak.failingSince.getTime() >= days * 24 * 3600 * 1000;
    const reason = gone
      ? "the receiver answered 410 Gone"
      : failingTooLong
        ? `every attempt failed for ${days} days`
        : null;
    if (reason) await disableEndpoint(tx, endpoint.id, reason);
    return reason;
  });

  if (disableReason) {
    deps.logger.warn("webhook endpoint disabled", { endpointId: endpoint.id, reason: disableReason });
    if (!gone) await finishDelivery(deps, deliveryId, "failed", failure);
    return { outcome: "failed", error: disableReason };
  }
  const retryAfterSeconds = status === 429 || status === 503 ? retryAfterOf(response, now) : undefined;
  return retryAfterSeconds === undefined
    ? { outcome: "retry", error: failure }
    : { outcome: "retry", error: failure, retryAfterSeconds };
}

/**
 * A 2xx in one statement (each statement is atomic): the attempt's log row, the delivery marked
 * succeeded, and the endpoint's failure streak ended. The common case, run for every delivery, so
 * it costs one round trip instead of a transaction's five.
 */
async function recordSuccess(
  deps: Pick<Deps, "db">,
  deliveryId: string,
  endpointId: string,
  attempt: { status: number; latencyMs: number; body: string | null },
): Promise<void> {
  await deps.db.execute(sql`
    with attempt as (
      insert into ${webhookAttempts} (delivery_id, status_code, latency_ms, response_body)
      values (${deliveryId}::uuid, ${attempt.status}::int, ${attempt.latencyMs}::int, ${attempt.body})
    ), delivered as (
      update ${webhookDeliveries}
      set attempts = attempts + 1, last_status_code = ${attempt.status}::int, last_error = null,
        last_attempt_at = now(), status = 'succeeded'
      where id = ${deliveryId}::uuid
    )
    update ${webhookEndpoints} set failing_since = null
    where id = ${endpointId}::uuid and failing_since is not null`);
}

/** When the engine gives up (the schedule is used up) or the endpoint is gone. */
export async function finishDelivery(
  deps: Pick<Deps, "db">,
  deliveryId: string,
  status: "failed",
  error: string,
): Promise<void> {
  await deps.db
    .update(webhookDeliveries)
    .set({ status, lastError: error })
    .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.status, "pending")));
}

/** Disabled by the server: a note on the endpoint and an audit row with no actor. */
async function disableEndpoint(
  tx: Parameters<Parameters<Deps["db"]["transaction"]>[0]>[0],
  endpointId: string,
  reason: string,
): Promise<void> {
  const [disabled] = await tx
    .update(webhookEndpoints)
    .set({
      enabled: false,
      disabledReason: reason,
      updatedAt: sql`now()`,
      version: sql`${webhookEndpoints.version} + 1`,
    })
    .where(and(eq(webhookEndpoints.id, endpointId), eq(webhookEndpoints.enabled, true)))
    .returning({ id: webhookEndpoints.id });
  if (!disabled) return;
  await writeAudit(tx, null, {
    action: "webhook.disabled",
    entityType: "webhook_endpoint",
    entityId: endpointId,
    before: { enabled: true, disabledReason: null },
    after: { enabled: false, disabledReason: reason },
  });
}

/** Retry-After as delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterOf(response: WebhookResponse | null, now: Date): number | undefined {
  const value = response?.retryAfter?.trim();
  if (!value) return undefined;
  const seconds = /^\d+$/.test(value) ? Number(value) : (Date.parse(value) - now.getTime()) / 1000;
  if (!Number.isFinite(seconds)) return undefined;
  return Math.min(Math.max(0, Math.ceil(seconds)), MAX_RETRY_AFTER_SECONDS);
}

/** The event's commit time from its envelope (a ping's creation), for the delivery-lag metric. */
function committedAt(delivery: { payload: unknown; createdAt: Date }): number {
  const createdAt = (delivery.payload as { createdAt?: unknown }).createdAt;
  const parsed = typeof createdAt === "string" ? Date.parse(createdAt) : Number.NaN;
  return Number.isNaN(parsed) ? delivery.createdAt.getTime() : parsed;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return "the request failed";
  if (error.name === "TimeoutError" || error.name === "AbortError") return "no answer within the timeout";
  // undici wraps connect errors (our refused lookup among them) in `cause`.
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return `${error.message}${cause}`.slice(0, 500);
}
