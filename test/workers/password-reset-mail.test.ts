import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createRequestDatabase } from "../../src/adapters/database/request-scoped.ts";
import { jobs } from "../../src/db/schema.ts";
import { parseWorkerConfig, type WorkerEnv } from "../../src/worker/config.ts";
import worker from "../../src/worker.ts";
import { freshIp, jsonRequest } from "../support/factories.ts";
import { createUser } from "./support/accounts.ts";
import { workerFetchWith } from "./support/requests.ts";

interface CapturedSend {
  headers: Record<string, string>;
  body: { from: string; to: string[]; subject: string; text: string; html: string };
}

// As the Node test contexts do: on a loaded 2-core machine the production 300 ms deadline turns a
// slow Redis answer into a 503 on these fail-closed routes.
const workerEnv = { ...(env as unknown as WorkerEnv), RATE_LIMIT_TIMEOUT_MS: "1000" };
const config = parseWorkerConfig(workerEnv);

async function captured(): Promise<CapturedSend[]> {
  return (await (await fetch(String(env.TEST_MAIL_CAPTURE_URL))).json()) as CapturedSend[];
}

/**
 * Hands the queued `mail.send` job for this address to the Worker's own queue() handler, as
 * Cloudflare Queues delivers it (Miniflare may deliver the kicked message on its own as well: the
 * job then runs once, and this message is acknowledged as already done).
 */
async function deliverQueuedMailTo(email: string): Promise<string> {
  const db = createRequestDatabase(config.DATABASE_URL);
  const [row] = await db
    .select({ id: jobs.id })
    .from(jobs)
    .where(sql`${jobs.kind} = 'mail.send' and ${jobs.payload}->>'to' = ${email}`);
  if (!row) throw new Error(`no mail.send job for ${email}`);
  const batch = createMessageBatch("tixgenius-jobs-dev", [
    { id: `m-${row.id}`, timestamp: Date.now(), attempts: 1, body: { jobId: row.id } },
  ]);
  const ctx = createExecutionContext();
  await worker.queue(batch, workerEnv, ctx);
  expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual([`m-${row.id}`]);
  const [after] = await db.select({ state: jobs.state }).from(jobs).where(sql`${jobs.id} = ${row.id}`);
  expect(after?.state).toBe("done");
  return row.id;
}

describe("password reset inside workerd, through the HTTP mail provider (Resend)", () => {
  it("posts the reset mail to the provider, and its link resets the password", async () => {
    const user = await createUser({ name: "Wendy <Worker>" });
    const asked = await workerFetchWith(
      workerEnv,
      "/v1/auth/password-reset",
      jsonRequest("POST", { email: user.email }, { "CF-Connecting-IP": freshIp() }),
    );
    expect(asked.status).toBe(202);
    expect(await asked.text()).toBe("");

    const jobId = await deliverQueuedMailTo(user.email);
    const sent = (await captured()).find((request) => request.body.to[0] === user.email);
    expect(sent?.headers.authorization).toBe("Bearer re_test_key");
    expect(sent?.headers["idempotency-key"]).toBe(jobId);
    expect(sent?.body).toMatchObject({ subject: "Reset your TixGenius password", from: config.MAIL_FROM });
    expect(sent?.body.html).toContain("Wendy &lt;Worker&gt;");
    const token = /[?&]token=([A-Za-z0-9_-]+)/.exec(sent?.body.text ?? "")?.[1] ?? "";
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const newPassword = "workerd chose this passphrase 3";
    const confirm = (password: string) =>
      workerFetchWith(
        workerEnv,
        "/v1/auth/password-reset/confirm",
        jsonRequest("POST", { token, newPassword: password }, { "CF-Connecting-IP": freshIp() }),
      );
    expect((await confirm(newPassword)).status).toBe(204);
    expect((await confirm("and another passphrase 77")).status).toBe(400);
    const signIn = (password: string) =>
      workerFetchWith(
        workerEnv,
        "/v1/auth/login",
        jsonRequest("POST", { email: user.email, password }, { "CF-Connecting-IP": freshIp() }),
      );
    expect((await signIn(newPassword)).status).toBe(200);
    expect((await signIn(user.password)).status).toBe(401);
  });
});
