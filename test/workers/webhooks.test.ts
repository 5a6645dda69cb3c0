import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { beforeAll, describe, expect, it } from "vitest";
import { createRequestDatabase } from "../../src/adapters/database/request-scoped.ts";
import { createWorkerWebhookTransport } from "../../src/adapters/webhooks/worker.ts";
import { systemClock } from "../../src/deps.ts";
import { attemptDelivery } from "../../src/features/webhooks/delivery.ts";
import { createLogger } from "../../src/lib/logger.ts";
import { noMetrics } from "../../src/lib/metrics/metrics.ts";
import { parseWorkerConfig } from "../../src/worker/config.ts";
import { jsonRequest, type Session } from "../support/factories.ts";
import { signedIn } from "./support/accounts.ts";
import { workerFetch, workerFetchWith } from "./support/requests.ts";

let admin: Session;
beforeAll(async () => {
  admin = (await signedIn("admin")).session;
});

function binding(name: string): string {
  const value = env[name];
  if (typeof value !== "string") throw new Error(`binding ${name} missing`);
  return value;
}

/** What the job engine's runner hands the delivery job on Workers: the Worker's own adapters. */
function deliveryDeps() {
  const config = parseWorkerConfig(env);
  return {
    config,
    db: createRequestDatabase(binding("DATABASE_URL")),
    logger: createLogger("warn"),
    metrics: noMetrics,
    clock: systemClock,
    webhooks: createWorkerWebhookTransport({ allowPrivateTargets: config.WEBHOOK_ALLOW_PRIVATE_TARGETS }),
  };
}

const send = (path: string, method: string, body?: unknown) =>
  workerFetch(
    path,
    body === undefined ? { method, headers: admin.headers } : jsonRequest(method, body, admin.headers),
  );

describe("webhooks inside workerd", () => {
  it("creates, reads, lists, changes and deletes an endpoint; the secret is shown once", async () => {
    const created = await send("/v1/webhooks", "POST", {
      url: "https://hooks.example.com/workerd",
      description: "From workerd",
      eventTypes: ["ticket.created"],
      enabled: false,
    });
    expect(created.status).toBe(201);
    const endpoint = (await created.json()) as { id: string; secret: string; version: number };
    expect(endpoint.secret).toMatch(/^whsec_/);

    const read = await send(`/v1/webhooks/${endpoint.id}`, "GET");
    const text = await read.text();
    expect(read.status).toBe(200);
    expect(text).not.toContain(endpoint.secret);
    const listed = (await (await send("/v1/webhooks?limit=100", "GET")).json()) as { data: { id: string }[] };
    expect(listed.data.map((row) => row.id)).toContain(endpoint.id);

    const patched = await send(`/v1/webhooks/${endpoint.id}`, "PATCH", { description: "Changed" });
    expect(await patched.json()).toMatchObject({ description: "Changed", version: endpoint.version + 1 });
    // This suite allows private targets (its receiver is local); the SSRF table runs on Node.
    const refused = await send("/v1/webhooks", "POST", { url: "ftp://hooks.example.com/drop" });
    expect(refused.status).toBe(400);

    expect((await send(`/v1/webhooks/${endpoint.id}`, "DELETE")).status).toBe(204);
    expect((await send(`/v1/webhooks/${endpoint.id}`, "GET")).status).toBe(404);
  });

  it("fans a committed event out after the response, and delivers a ping signed so standardwebhooks verifies it", async () => {
    const created = await send("/v1/webhooks", "POST", {
      url: binding("WEBHOOK_ECHO_URL"),
      eventTypes: ["ticket.created"],
    });
    const endpoint = (await created.json()) as { id: string; secret: string };

    // The fan-out runs under the request's waitUntil; workerFetchWith waits for it.
    const ticket = await workerFetchWith(
      env,
      "/v1/tickets",
      jsonRequest("POST", { title: "Seen by a webhook" }, admin.headers),
    );
    expect(ticket.status).toBe(201);
    const deliveries = (await (await send(`/v1/webhooks/${endpoint.id}/deliveries`, "GET")).json()) as {
      data: { eventType: string }[];
    };
    expect(deliveries.data.map((delivery) => delivery.eventType)).toEqual(["ticket.created"]);

    const ping = await send(`/v1/webhooks/${endpoint.id}/ping`, "POST");
    expect(ping.status).toBe(202);
    const { id } = (await ping.json()) as { id: string };
    expect(await attemptDelivery(deliveryDeps(), id)).toEqual({ outcome: "done" });

    const detail = (await (await send(`/v1/webhooks/${endpoint.id}/deliveries/${id}`, "GET")).json()) as {
      status: string;
      attemptLog: { statusCode: number; responseBody: string }[];
    };
    expect(detail.status).toBe("succeeded");
    expect(detail.attemptLog).toHaveLength(1);
    const echoed = JSON.parse(detail.attemptLog[0]?.responseBody ?? "{}") as {
      headers: Record<string, string>;
      body: string;
    };
    expect(new Webhook(endpoint.secret).verify(echoed.body, echoed.headers)).toMatchObject({
      type: "webhook.ping",
      endpointId: endpoint.id,
    });
  });
});
