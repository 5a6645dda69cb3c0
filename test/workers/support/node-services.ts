import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { startGateway } from "../../../src/gateway/server.ts";
import { requestedServices } from "../../support/services.ts";
import { createWorkersDatabase } from "./database.ts";
import { startMailApiCapture } from "./mail-api-capture.ts";

export interface WorkersServices {
  /** Vars and secrets for the Worker under test. */
  bindings: Record<string, string>;
  databaseKind: "postgres" | "pglite-socket";
  /** The same database as a Hyperdrive origin (Miniflare proxies it as Hyperdrive would). */
  hyperdriveOrigin: string;
  close(): Promise<void>;
}

/**
 * What the Worker talks to over the network: PostgreSQL (DATABASE_URL) or PGlite behind
 * pglite-socket, and the Upstash REST gateway in front of REDIS_URL or its memory backend.
 */
export async function startWorkersServices(): Promise<WorkersServices> {
  const { databaseUrl, redisUrl } = requestedServices();
  const database = await createWorkersDatabase(databaseUrl);
  const gatewayToken = randomBytes(24).toString("hex");
  const gateway = await startGateway({
    token: gatewayToken,
    backend: redisUrl ? { redisUrl } : "memory",
    port: 0,
  }).catch(async (error: unknown) => {
    await database.close();
    throw error;
  });
  const mailApi = await startMailApiCapture();
  const echo = await startWebhookEcho();
  return {
    bindings: {
      NODE_ENV: "test",
      LOG_LEVEL: "warn",
      DATABASE_URL: database.url,
      UPSTASH_REDIS_REST_URL: gateway.url,
      UPSTASH_REDIS_REST_TOKEN: gatewayToken,
      JWT_SECRET: randomBytes(32).toString("hex"),
      CORS_ORIGINS: "http://localhost:5173",
      // Stated rather than defaulted: test/workers/rate-limit.test.ts asserts this policy.
      RATE_LIMIT_LOGIN: "5/900",
      // Stated too: test/workers/events-stream.test.ts tells pub/sub deliveries from this poll.
      EVENT_RECHECK_SECONDS: "15",
      // The HTTP mail provider (Resend) is a local capture server; tests read what it got.
      MAIL_API_URL: mailApi.url,
      MAIL_API_KEY: "re_test_key",
      TEST_MAIL_CAPTURE_URL: mailApi.capturedUrl,
      // test/workers/webhooks.test.ts delivers to the echo receiver on this machine.
      WEBHOOK_ALLOW_PRIVATE_TARGETS: "true",
      WEBHOOK_ECHO_URL: echo.url,
    },
    databaseKind: database.kind,
    hyperdriveOrigin: withPassword(database.url),
    async close() {
      await mailApi.close();
      await echo.close();
      await gateway.close();
      await database.close();
    },
  };
}

// Miniflare refuses a Hyperdrive origin without a password; trust auth and PGlite never ask for it.
function withPassword(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  if (!url.password) url.password = "unused";
  return url.toString();
}

/**
 * A webhook receiver for the Workers suite: it answers each POST with what it received (the
 * signature headers and the body), which the delivery log keeps (first 1 KiB), so a test inside
 * workerd can verify the signature of a small message such as a ping.
 */
async function startWebhookEcho(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const pick = (name: string) => String(request.headers[name] ?? "");
      response.writeHead(200, { "Content-Type": "application/json" });
      response.end(
        JSON.stringify({
          headers: {
            "webhook-id": pick("webhook-id"),
            "webhook-timestamp": pick("webhook-timestamp"),
            "webhook-signature": pick("webhook-signature"),
          },
          body: Buffer.concat(chunks).toString("utf8"),
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
