import { hostname } from "node:os";
import { and, eq, sql } from "drizzle-orm";
import { Webhook } from "standardwebhooks";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { auditLog, webhookDeliveries, webhookEndpoints } from "../../src/db/schema.ts";
import type { JobLoop } from "../../src/node/job-loop.ts";
import { reportTicket } from "../support/factories/tickets.ts";
import { jsonRequest, type Session, signedIn } from "../support/factories.ts";
import { createTestContext, type TestContext } from "../support/test-context.ts";
import { signatureHeaders, startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver.ts";
import { createEndpoint, deliveriesOf, deliveryJobsOf, deliveryLoop, eventually } from "./support.ts";

let ctx: TestContext;
let admin: Session;
let receiver: WebhookReceiver;
const loops: JobLoop[] = [];
beforeAll(async () => {
  ctx = await createTestContext({ env: { WEBHOOK_ALLOW_PRIVATE_TARGETS: "true", TRUST_PROXY: "true" } });
  admin = (await signedIn(ctx, "admin")).session;
});
afterEach(async () => {
  await Promise.all(loops.splice(0).map((loop) => loop.stop()));
  await receiver?.close();
});
afterAll(() => ctx.close());

async function receiving(path = "/hook", endpointBody: Record<string, unknown> = {}) {
  receiver = await startWebhookReceiver();
  return createEndpoint(ctx, admin, {
    url: `${receiver.url}${path}`,
    eventTypes: ["ticket.created"],
    ...endpointBody,
  });
}

const newTicket = (title = "Printer on fire") => reportTicket(ctx, admin, { title });

describe("delivery from the outbox", () => {
  it("POSTs the event's catalogue envelope, signed so that the standardwebhooks library verifies it", async () => {
    const endpoint = await receiving();
    // A streak of failures the success must end.
    await ctx.deps.db
      .update(webhookEndpoints)
      .set({ failingSince: sql`now() - interval '1 day'` })
      .where(eq(webhookEndpoints.id, endpoint.id));
    loops.push(deliveryLoop(ctx));
    const ticket = await newTicket();
    const request = await receiver.nth(0);
    const verified = new Webhook(endpoint.secret).verify(
      request.body,
      signatureHeaders(request.headers),
    ) as Record<string, unknown>;
    expect(verified).toMatchObject({
      type: "ticket.created",
      ticketId: ticket.id,
      payload: { id: ticket.id },
    });
    expect(request.headers["webhook-id"]).toBe(`evt_${verified.id}`);
    expect(request.headers["content-type"]).toBe("application/json");
    const delivery = await eventually(async () => {
      const rows = await deliveriesOf(ctx, endpoint.id);
      return rows[0]?.status === "succeeded" ? rows[0] : null;
    });
    expect(delivery).toMatchObject({
      attempts: 1,
      lastStatusCode: 200,
      lastError: null,
      eventId: verified.id,
    });
    expect(delivery.lastAttemptAt).toBeInstanceOf(Date);
    const [stored] = await ctx.deps.db
      .select()
      .from(webhookEndpoints)
      .where(eq(webhookEndpoints.id, endpoint.id));
    expect(stored?.failingSince).toBeNull();
    const detail = await ctx.app.request(`/v1/webhooks/${endpoint.id}/deliveries/${delivery.id}`, {
      headers: admin.headers,
    });
    const { attemptLog } = (await detail.json()) as { attemptLog: Record<string, unknown>[] };
    expect(attemptLog).toEqual([
      expect.objectContaining({ statusCode: 200, error: null, responseBody: "ok" }),
    ]);
    const metrics = ctx.metrics.render();
    expect(metrics).toMatch(/tixgenius_webhook_attempts_total\{outcome="succeeded"\} [1-9]/);
    expect(metrics).toMatch(/tixgenius_webhook_delivery_lag_seconds_count [1-9]/);
  });

  it("retries a failing receiver on the schedule and logs every attempt", async () => {
    const endpoint = await receiving();
    receiver.answer = (_request, index) =>
      index < 2 ? { status: 500, body: `boom ${index}` } : { status: 204 };
    loops.push(deliveryLoop(ctx, { retryDelaysSeconds: [0.1, 0.1, 0.1] }));
    await newTicket();
    const requests = await receiver.waitFor(3);
    expect(new Set(requests.map((request) => request.headers["webhook-id"])).size).toBe(1);
    const delivery = await eventually(async () => {
      const rows = await deliveriesOf(ctx, endpoint.id);
      return rows[0]?.status === "succeeded" ? rows[0] : null;
    });
    const detail = await ctx.app.request(`/v1/webhooks/${endpoint.id}/deliveries/${delivery.id}`, {
      headers: admin.headers,
    });
    const body = (await detail.json()) as { attempts: number; attemptLog: Record<string, unknown>[] };
    expect(body.attempts).toBe(3);
    expect(body.attemptLog.map((attempt) => attempt.statusCode)).toEqual([500, 500, 204]);
    expect(body.attemptLog[0]).toMatchObject({ responseBody: "boom 0", error: "the receiver answered 500" });
    expect(body.attemptLog[0]?.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it("waits the first step of the real schedule (5 s) after a failure: the job is due again then, not before", async () => {
    const endpoint = await receiving();
    receiver.answer = () => ({ status: 502 });
    loops.push(deliveryLoop(ctx));
    await newTicket();
    await receiver.waitFor(1);
    const delivery = await eventually(async () => {
      const rows = await deliveriesOf(ctx, endpoint.id);
      return rows[0]?.attempts === 1 ? rows[0] : null;
    });
    const job = await eventually(async () => {
      const rows = await deliveryJobsOf(ctx, delivery.id);
      return rows[0]?.state === "pending" && rows[0].attempts === 1 ? rows[0] : null;
    });
    const wait = (job.runAt.getTime() - job.updatedAt.getTime()) / 1000;
    expect(wait).toBeGreaterThan(4);
    expect(wait).toBeLessThan(6);
    expect(delivery.status).toBe("pending");
  });

  it("honours Retry-After on 429 and 503", async () => {
    const endpoint = await receiving();
    receiver.answer = () => ({ status: 429, headers: { "Retry-After": "120" } });
    loops.push(deliveryLoop(ctx));
    await newTicket();
    await receiver.waitFor(1);
    const delivery = await eventually(async () => {
      const rows = await deliveriesOf(ctx, endpoint.id);
      return rows[0]?.attempts === 1 ? rows[0] : null;
    });
    const job = await eventually(async () => {
      const rows = await deliveryJobsOf(ctx, delivery.id);
      return rows[0]?.state === "pending" && rows[0].attempts === 1 ? rows[0] : null;
    });
    const wait = (job.runAt.getTime() - job.updatedAt.getTime()) / 1000;
    expect(wait).toBeGreaterThan(118);
    expect(wait).toBeLessThan(122);
  });

  it("disables the endpoint on 410 Gone, with a note and an audit row, and sends it nothing more", async () => {
    const endpoint = await receiving();
    receiver.answer = () => ({ status: 410 });
    loops.push(deliveryLoop(ctx, { retryDelaysSeconds: [0.1] }));
    await newTicket();
    await receiver.waitFor(1);
    const row = await eventually(async () => {
      const rows = await ctx.deps.db
        .select()
        .from(webhookEndpoints)
        .where(eq(webhookEndpoints.id, endpoint.id));
      return rows[0]?.enabled === false ? rows[0] : null;
    });
    expect(row.disabledReason).toMatch(/410 Gone/);
    expect((await deliveriesOf(ctx, endpoint.id)).map((delivery) => delivery.status)).toEqual(["failed"]);
    const audit = await ctx.deps.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.entityId, endpoint.id), eq(auditLog.action, "webhook.disabled")));
    expect(audit).toHaveLength(1);
    expect(audit[0]?.actorId).toBeNull();
    await newTicket("After the 410");
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(receiver.received).toHaveLength(1);
    expect(await deliveriesOf(ctx, endpoint.id)).toHaveLength(1);
  });

  it("disables an endpoint whose every attempt failed for WEBHOOK_DISABLE_AFTER_DAYS", async () => {
    const endpoint = await receiving();
    receiver.answer = () => ({ status: 500 });
    await ctx.deps.db
      .update(webhookEndpoints)
      .set({ failingSince: sql`now() - interval '6 days'` })
      .where(eq(webhookEndpoints.id, endpoint.id));
    loops.push(deliveryLoop(ctx));
    await newTicket();
    await receiver.waitFor(1);
    const row = await eventually(async () => {
      const rows = await ctx.deps.db
        .select()
        .from(webhookEndpoints)
        .where(eq(webhookEndpoints.id, endpoint.id));
      return rows[0]?.enabled === false ? rows[0] : null;
    });
    expect(row.disabledReason).toMatch(/failed for 5 days/);
    const reenabled = await ctx.app.request(
      `/v1/webhooks/${endpoint.id}`,
      jsonRequest("PATCH", { enabled: true }, admin.headers),
    );
    expect(await reenabled.json()).toMatchObject({ enabled: true, disabledReason: null, failingSince: null });
  });

  it("never follows a redirect, and keeps only the first 1 KiB of an answer", async () => {
    const endpoint = await receiving("/moved");
    receiver.answer = (request) =>
      request.path === "/moved"
        ? { status: 302, headers: { Location: `${receiver.url}/elsewhere` }, body: "x".repeat(5000) }
        : { status: 200 };
    loops.push(deliveryLoop(ctx, { retryDelaysSeconds: [60] }));
    await newTicket();
    await receiver.waitFor(1);
    const delivery = await eventually(async () => {
      const rows = await deliveriesOf(ctx, endpoint.id);
      return rows[0]?.attempts === 1 ? rows[0] : null;
    });
    expect(delivery).toMatchObject({ lastStatusCode: 302, status: "pending" });
    const detail = (await (
      await ctx.app.request(`/v1/webhooks/${endpoint.id}/deliveries/${delivery.id}`, {
        headers: admin.headers,
      })
    ).json()) as { attemptLog: { responseBody: string }[] };
    expect(detail.attemptLog[0]?.responseBody).toBe("x".repeat(1024));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.received.map((request) => request.path)).toEqual(["/moved"]);
  });

  it("redelivers one delivery with the same webhook-id, and every failed one since a time", async () => {
    const endpoint = await receiving();
    receiver.answer = (_request, index) => (index === 0 ? { status: 200 } : { status: 200, body: "again" });
    loops.push(deliveryLoop(ctx));
    await newTicket();
    const first = await receiver.nth(0);
    const delivery = await eventually(async () => {
      const rows = await deliveriesOf(ctx, endpoint.id);
      return rows[0]?.status === "succeeded" ? rows[0] : null;
    });
    const again = await ctx.app.request(`/v1/webhooks/${endpoint.id}/deliveries/${delivery.id}/redeliver`, {
      method: "POST",
      headers: admin.headers,
    });
    expect(again.status).toBe(202);
    const second = await receiver.nth(1);
    expect(second.headers["webhook-id"]).toBe(first.headers["webhook-id"]);
    expect(second.body).toBe(first.body);

    // The redelivery's attempt is logged after the receiver answered: let it settle first.
    await eventually(async () => {
      const [row] = await deliveriesOf(ctx, endpoint.id);
      return row?.status === "succeeded" && row.attempts === 2;
    });
    await ctx.deps.db
      .update(webhookDeliveries)
      .set({ status: "failed" })
      .where(eq(webhookDeliveries.id, delivery.id));
    await eventually(async () => (await deliveriesOf(ctx, endpoint.id))[0]?.status === "failed");
    const since = new Date(Date.now() - 60_000).toISOString();
    const bulk = await ctx.app.request(
      `/v1/webhooks/${endpoint.id}/redeliver-failed`,
      jsonRequest("POST", { since }, admin.headers),
    );
    expect(await bulk.json()).toEqual({ redelivered: 1 });
    await receiver.waitFor(3);
    const later = await ctx.app.request(
      `/v1/webhooks/${endpoint.id}/redeliver-failed`,
      jsonRequest("POST", { since: new Date(Date.now() + 60_000).toISOString() }, admin.headers),
    );
    expect(await later.json()).toEqual({ redelivered: 0 });
  });

  it("signs with both secrets during a rotation's overlap; the old one alone no longer verifies after it", async () => {
    const endpoint = await receiving();
    loops.push(deliveryLoop(ctx));
    const rotated = await ctx.app.request(`/v1/webhooks/${endpoint.id}/rotate-secret`, {
      method: "POST",
      headers: admin.headers,
    });
    expect(rotated.status).toBe(200);
    const { secret, previousSecretExpiresAt } = (await rotated.json()) as {
      secret: string;
      previousSecretExpiresAt: string;
    };
    expect(secret).not.toBe(endpoint.secret);
    expect(Date.parse(previousSecretExpiresAt) - Date.now()).toBeGreaterThan(23 * 3600_000);
    await newTicket();
    const request = await receiver.nth(0);
    const headers = signatureHeaders(request.headers);
    expect(headers["webhook-signature"]?.split(" ")).toHaveLength(2);
    expect(new Webhook(secret).verify(request.body, headers)).toBeTruthy();
    expect(new Webhook(endpoint.secret).verify(request.body, headers)).toBeTruthy();

    await ctx.deps.db
      .update(webhookEndpoints)
      .set({ previousSecretExpiresAt: sql`now() - interval '1 second'` })
      .where(eq(webhookEndpoints.id, endpoint.id));
    await newTicket("After the overlap");
    const after = await receiver.nth(1);
    const afterHeaders = signatureHeaders(after.headers);
    expect(afterHeaders["webhook-signature"]?.split(" ")).toHaveLength(1);
    expect(new Webhook(secret).verify(after.body, afterHeaders)).toBeTruthy();
    expect(() => new Webhook(endpoint.secret).verify(after.body, afterHeaders)).toThrow();
  });

  it("sends a signed webhook.ping on request and logs it", async () => {
    const endpoint = await receiving();
    loops.push(deliveryLoop(ctx));
    const ping = await ctx.app.request(`/v1/webhooks/${endpoint.id}/ping`, {
      method: "POST",
      headers: admin.headers,
    });
    expect(ping.status).toBe(202);
    const queued = (await ping.json()) as { id: string; eventType: string; eventId: null };
    expect(queued).toMatchObject({ eventType: "webhook.ping", eventId: null });
    const request = await receiver.nth(0);
    expect(
      new Webhook(endpoint.secret).verify(request.body, signatureHeaders(request.headers)),
    ).toMatchObject({
      type: "webhook.ping",
      endpointId: endpoint.id,
    });
    const list = await eventually(async () => {
      const response = await ctx.app.request(`/v1/webhooks/${endpoint.id}/deliveries?status=succeeded`, {
        headers: admin.headers,
      });
      const body = (await response.json()) as { data: { id: string }[] };
      return body.data.length === 1 ? body : null;
    });
    expect(list.data[0]?.id).toBe(queued.id);
  });
});

describe("the SSRF guard at delivery time", () => {
  let guarded: TestContext;
  beforeAll(async () => {
    guarded = await createTestContext({ env: { TRUST_PROXY: "true" } });
  });
  afterAll(() => guarded.close());

  it("refuses a private address or an internal name when the endpoint is made (422), and URLs the document does not take (400)", async () => {
    const owner = (await signedIn(guarded, "admin")).session;
    const post = (url: string) =>
      guarded.app.request("/v1/webhooks", jsonRequest("POST", { url }, owner.headers));
    for (const url of [
      "http://127.0.0.1:8080/",
      "http://localhost/",
      "http://10.0.0.5/",
      "https://metadata.google.internal/",
    ]) {
      const response = await post(url);
      expect(response.status, url).toBe(422);
      const problem = (await response.json()) as { code: string; errors: { path: string }[] };
      expect(problem.code).toBe("webhook_target_refused");
      expect(problem.errors[0]?.path).toBe("body.url");
    }
    for (const url of [
      "http://[::ffff:169.254.169.254]/",
      "http://user:pass@hooks.example.com/",
      "ftp://hooks.example.com/",
    ]) {
      const response = await post(url);
      expect(response.status, url).toBe(400);
    }
    expect((await post("https://hooks.example.com/fine")).status).toBe(201);
  });

  it("refuses, at delivery, a name that resolves to this machine: the receiver is never reached", async () => {
    const owner = (await signedIn(guarded, "admin")).session;
    receiver = await startWebhookReceiver();
    const port = new URL(receiver.url).port;
    const endpoint = await createEndpoint(guarded, owner, { url: `http://${hostname()}:${port}/hook` });
    const loop = deliveryLoop(guarded, { retryDelaysSeconds: [60] });
    loops.push(loop);
    await reportTicket(guarded, owner, { title: "Rebinding attempt" });
    const delivery = await eventually(async () => {
      const rows = await deliveriesOf(guarded, endpoint.id);
      return rows[0]?.attempts === 1 ? rows[0] : null;
    });
    expect(delivery.lastError).toMatch(/refused/);
    expect(delivery.lastStatusCode).toBeNull();
    expect(receiver.received).toHaveLength(0);
  });
});
