import { eq } from "drizzle-orm";
import { jobs, webhookDeliveries } from "../../src/db/schema.ts";
import { recordEvent } from "../../src/features/events/record.ts";
import { createJobRegistry, type JobDefinition } from "../../src/features/jobs/handlers.ts";
import { webhookDeliveryJob } from "../../src/features/webhooks/delivery-job.ts";
import { type JobLoop, startJobLoop } from "../../src/node/job-loop.ts";
import { jsonRequest, type Session } from "../support/factories.ts";
import type { TestContext } from "../support/test-context.ts";

/** The app's own delivery job, optionally with a test schedule (milliseconds instead of hours). */
export function deliveryLoop(
  ctx: TestContext,
  overrides: Partial<Pick<JobDefinition, "retryDelaysSeconds">> = {},
): JobLoop {
  return startJobLoop(ctx.deps, {
    registry: createJobRegistry([{ ...webhookDeliveryJob, ...overrides } as JobDefinition<never>]),
    kicker: ctx.jobKicker,
    pollIntervalMs: 100,
    concurrency: 4,
    random: () => 1,
  });
}

export interface CreatedEndpoint {
  id: string;
  secret: string;
  url: string;
  teamId: string | null;
  version: number;
}

export async function createEndpoint(
  ctx: TestContext,
  session: Session,
  body: Record<string, unknown>,
): Promise<CreatedEndpoint> {
  const response = await ctx.app.request("/v1/webhooks", jsonRequest("POST", body, session.headers));
  if (response.status !== 201)
    throw new Error(`endpoint failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as CreatedEndpoint;
}

/** `count` ticket.updated events of one team-less ticket, committed together as a burst of writes. */
export async function recordTicketUpdates(
  ctx: TestContext,
  ticketId: string,
  reporterId: string,
  count: number,
) {
  await ctx.deps.db.transaction(async (tx) => {
    for (let index = 0; index < count; index++)
      await recordEvent(tx, {
        type: "ticket.updated",
        ticket: { id: ticketId, teamId: null, reporterId, assigneeId: null },
        payload: { id: ticketId, title: `burst ${index}` },
      });
  });
}

export async function deliveriesOf(ctx: TestContext, endpointId: string) {
  return ctx.deps.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.endpointId, endpointId));
}

export async function deliveryJobsOf(ctx: TestContext, deliveryId: string) {
  const rows = await ctx.deps.db.select().from(jobs).where(eq(jobs.kind, "webhook.deliver"));
  return rows.filter((row) => row.payload.deliveryId === deliveryId);
}

/** Polls until `check` returns something truthy (a delivery settles after its job ran). */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
