import { type SQL, sql } from "drizzle-orm";
import { insertJobsFrom, type NewJob } from "../jobs/enqueue.ts";
import { defineJob } from "../jobs/handlers.ts";
import { attemptDelivery, finishDelivery } from "./delivery.ts";

export const WEBHOOK_DELIVER = "webhook.deliver";

/** About a day in all, as the issue asks; the engine adds full jitter to each wait. */
export const WEBHOOK_RETRY_DELAYS_SECONDS = [5, 300, 1800, 7200, 18_000, 36_000] as const;

/** A slow or dead receiver holds at most this many runners: the others keep delivering. */
export const WEBHOOK_CONCURRENCY_PER_ENDPOINT = 4;

interface DeliveryPayload {
  deliveryId: string;
}

export function deliveryJob(deliveryId: string, endpointId: string): NewJob {
  return { kind: WEBHOOK_DELIVER, payload: { deliveryId }, group: `webhook:${endpointId}` };
}

/** The same jobs as deliveryJob() makes, for rows (`id`, `endpoint_id`) of a statement's CTE. */
export function insertDeliveryJobsFrom(deliveries: SQL): SQL {
  return insertJobsFrom(WEBHOOK_DELIVER, deliveries, {
    payload: sql`jsonb_build_object('deliveryId', id)`,
    group: sql`'webhook:' || endpoint_id`,
  });
}

export const webhookDeliveryJob = defineJob<DeliveryPayload>({
  kind: WEBHOOK_DELIVER,
  retryDelaysSeconds: WEBHOOK_RETRY_DELAYS_SECONDS,
  groupConcurrency: WEBHOOK_CONCURRENCY_PER_ENDPOINT,
  // The request's own 10 s timeout plus the database writes around it.
  timeoutMs: 20_000,
  run: (deps, job) => attemptDelivery(deps, job.payload.deliveryId),
  async onExhausted(deps, job) {
    await finishDelivery(deps, job.payload.deliveryId, "failed", job.error);
  },
});
